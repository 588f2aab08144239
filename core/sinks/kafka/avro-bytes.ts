import { ByteWriter } from "./byte-writer.ts";

/**
 * Avro's binary encoding of the primitives the dts-avro Record uses, written into one growing
 * buffer (https://avro.apache.org/docs/1.11.1/specification/#binary-encoding): int and long as
 * zig-zag varints, strings and bytes length-prefixed, doubles little-endian. Numbers are exact up
 * to 2^53, which covers every id and timestamp the encoder writes.
 */
export class AvroBytes extends ByteWriter {
  /** int or long: zig-zag, then 7 bits a byte, low bits first. */
  long(value: number): this {
    this.room(10);
    let n = value >= 0 ? value * 2 : -value * 2 - 1;
    while (n >= 0x80) {
      this.buffer[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buffer[this.at++] = n;
    return this;
  }

  /** UTF-8, length-prefixed; ASCII text is copied in place, its length being its byte count. */
  string(text: string): this {
    const start = this.at;
    this.long(text.length);
    this.room(text.length);
    const buffer = this.buffer;
    let at = this.at;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0x7f) {
        this.at = start;
        return this.utf8(text);
      }
      buffer[at++] = c;
    }
    this.at = at;
    return this;
  }

  private utf8(text: string): this {
    const length = Buffer.byteLength(text, "utf8");
    this.long(length);
    this.room(length);
    this.at += this.buffer.write(text, this.at, length, "utf8");
    return this;
  }

  bytes(value: Uint8Array): this {
    this.long(value.length);
    return this.raw(value);
  }

  double(value: number): this {
    this.room(8);
    this.buffer.writeDoubleLE(value, this.at);
    this.at += 8;
    return this;
  }
}
