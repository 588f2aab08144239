import schema from "./dts-avro-schema.json" with { type: "json" };

/**
 * The dts-avro record schema (com.alibaba.dts.formats.avro.Record), as the product publishes it:
 * named types first, each referenced by the ones after it (dts-avro-schema.json). Messages are the
 * bare Avro binary encoding of one Record. Tests decode every message with the published .avsc file.
 */
export const DTS_AVRO_SCHEMA: readonly object[] = schema;
