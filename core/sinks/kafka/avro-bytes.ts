/**
 * Avro's binary encoding of the primitives the dts-avro Record uses, written into one growing
 * buffer (https://avro.apache.org/docs/1.11.1/specification/#binary-encoding): int and long as
 * zig-zag varints, strings and bytes length-prefixed, doubles little-endian. Numbers are exact up
 * to 2^53, which covers every id and timestamp the encoder writes.
 */
export class AvroBytes {
  private buffer = Buffer.allocUnsafe(16 * 1024);
  private at = 0;

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }

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

  string(text: string): this {
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

  /** Bytes already in Avro's encoding (a piece written once and repeated). */
  raw(value: Uint8Array): this {
    this.room(value.length);
    this.buffer.set(value, this.at);
    this.at += value.length;
    return this;
  }

  /** What was written, as a buffer of its own; the writer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.at));
    this.at = 0;
    return out;
  }
}
