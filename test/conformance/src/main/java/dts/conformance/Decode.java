package dts.conformance;

import com.alibaba.fastjson2.JSON;
import com.alibaba.otter.canal.protocol.FlatMessage;
import com.aliyun.dts.subscribe.clients.formats.avro.Record;
import com.aliyun.dts.subscribe.clients.record.DefaultUserRecord;
import com.aliyun.dts.subscribe.clients.record.OperationType;
import com.aliyun.dts.subscribe.clients.record.RecordField;
import com.aliyun.dts.subscribe.clients.record.RowImage;
import com.aliyun.dts.subscribe.clients.record.value.BinaryEncodingObject;
import com.aliyun.dts.subscribe.clients.record.value.DecimalNumeric;
import com.aliyun.dts.subscribe.clients.record.value.StringValue;
import com.aliyun.dts.subscribe.clients.record.value.TextEncodingObject;
import com.aliyun.dts.subscribe.clients.record.value.Value;
import com.aliyun.dts.subscribe.clients.record.value.WKBGeometry;
import com.aliyun.dts.subscribe.clients.recordgenerator.AvroDeserializer;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads Kafka message values (a file of 4-byte big-endian lengths, each followed by that many bytes)
 * the way the ecosystem's consumers do, and prints one JSON line per message with what they got:
 *
 * <ul>
 *   <li>{@code avro}: Alibaba's AvroDeserializer and DefaultUserRecord; every value of
 *       getBeforeImage()/getAfterImage() with its class, its object type and its text (bytes in
 *       hex). A message the SDK cannot read prints {"error": ...}.
 *   <li>{@code canal}: Canal's FlatMessage parsed with fastjson2, printed back as JSON.
 * </ul>
 */
public final class Decode {
  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    AvroDeserializer avro = new AvroDeserializer();
    try (DataInputStream in = new DataInputStream(new FileInputStream(args[1]))) {
      for (long offset = 0; ; offset++) {
        byte[] message;
        try {
          message = new byte[in.readInt()];
        } catch (EOFException end) {
          break;
        }
        in.readFully(message);
        String line;
        try {
          line = "avro".equals(args[0]) ? avroLine(avro, message, offset) : canalLine(message);
        } catch (RuntimeException e) {
          line = JSON.toJSONString(Map.of("error", String.valueOf(e)));
        }
        out.println(line);
      }
    }
    out.flush();
  }

  private static String canalLine(byte[] message) {
    FlatMessage flat = JSON.parseObject(message, FlatMessage.class);
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("database", flat.getDatabase());
    line.put("table", flat.getTable());
    line.put("type", flat.getType());
    line.put("isDdl", flat.getIsDdl());
    line.put("sql", flat.getSql());
    line.put("pkNames", flat.getPkNames());
    line.put("sqlType", flat.getSqlType());
    line.put("mysqlType", flat.getMysqlType());
    line.put("data", flat.getData());
    line.put("old", flat.getOld());
    line.put("es", flat.getEs());
    return JSON.toJSONString(line);
  }

  private static String avroLine(AvroDeserializer avro, byte[] message, long offset) {
    Record record = avro.deserialize(message);
    DefaultUserRecord user = new DefaultUserRecord(new TopicPartition("t", 0), offset, record, null);
    OperationType op = user.getOperationType();
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("op", op.name());
    line.put("objectName", record.getObjectName());
    if (op == OperationType.DDL) return JSON.toJSONString(line);
    List<String> names = new ArrayList<>();
    for (RecordField field : user.getSchema().getFields()) names.add(field.getFieldName());
    line.put("fields", names);
    line.put("before", image(user.getBeforeImage(), names.size()));
    line.put("after", image(user.getAfterImage(), names.size()));
    return JSON.toJSONString(line);
  }

  /** Each value as [class, object type or null, text]; null when the image is absent. */
  private static List<List<String>> image(RowImage image, int width) {
    if (image == null) return null;
    List<List<String>> values = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      Value<?> value = image.getValue(i);
      if (value == null) {
        values.add(null);
        continue;
      }
      String kind = value.getClass().getSimpleName();
      String objectType = null;
      String text;
      if (value instanceof BinaryEncodingObject binary) {
        objectType = binary.getObjectType().name();
        text = hex(binary.getData());
      } else if (value instanceof TextEncodingObject textObject) {
        objectType = textObject.getObjectType().name();
        text = textObject.toString();
      } else if (value instanceof WKBGeometry geometry) {
        text = hex(geometry.getData());
      } else if (value instanceof StringValue string) {
        text = string.toString();
      } else if (value instanceof DecimalNumeric decimal) {
        text = decimal.getData().toPlainString();
      } else {
        text = value.toString();
      }
      List<String> entry = new ArrayList<>();
      entry.add(kind);
      entry.add(objectType);
      entry.add(text);
      values.add(entry);
    }
    return values;
  }

  private static String hex(ByteBuffer buffer) {
    ByteBuffer bytes = buffer.duplicate();
    StringBuilder text = new StringBuilder();
    while (bytes.hasRemaining()) text.append(String.format("%02x", bytes.get() & 0xff));
    return text.toString();
  }
}
