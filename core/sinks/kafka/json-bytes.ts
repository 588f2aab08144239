import { ByteWriter } from "./byte-writer.ts";

/**
 * JSON text written straight into one growing buffer, then copied out per message: canal-json
 * messages are assembled from per-table byte pieces and each value's string literal, without the
 * intermediate strings (about 2 KB a row) that building the text first costs. Strings are written
 * exactly as JSON.stringify writes them.
 */
export class JsonBytes extends ByteWriter {
  /** A number as String(value) writes it; non-negative safe integers without a string. */
  number(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) {
      const text = String(value);
      this.room(text.length);
      this.at += this.buffer.write(text, this.at, "latin1");
      return this;
    }
    this.room(16);
    // Up to 16 digits as two parts of at most 8, so the digit loops run on small integers.
    const high = Math.floor(value / 100_000_000);
    const low = value - high * 100_000_000;
    if (high > 0) {
      this.digits(high, 0);
      this.digits(low, 8);
    } else this.digits(low, 0);
    return this;
  }

  /** `value` (below 10^8) in decimal, left-padded with zeros to `width` digits. */
  private digits(value: number, width: number): void {
    let count = 1;
    for (let rest = value; rest >= 10; rest = (rest / 10) | 0) count++;
    if (count < width) count = width;
    let n = value;
    for (let i = this.at + count - 1; i >= this.at; i--) {
      const next = (n / 10) | 0;
      this.buffer[i] = 0x30 + n - next * 10;
      n = next;
    }
    this.at += count;
  }

  /** `text` as a JSON string literal, JSON.stringify's bytes; null as `null`. */
  string(text: string | null): this {
    if (text === null) return this.raw(NULL);
    this.room(text.length * 2 + 2);
    const buffer = this.buffer;
    let at = this.at;
    buffer[at++] = 0x22;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c > 0x7f) return this.escaped(text);
      if (c === 0x22 || c === 0x5c) buffer[at++] = 0x5c;
      buffer[at++] = c;
    }
    buffer[at++] = 0x22;
    this.at = at;
    return this;
  }

  /** Text with control characters or beyond ASCII: JSON.stringify escapes it, UTF-8 encodes it. */
  private escaped(text: string): this {
    const literal = JSON.stringify(text);
    this.room(literal.length * 3);
    this.at += this.buffer.write(literal, this.at, "utf8");
    return this;
  }
}

/** Text (JSON syntax, names) as bytes to write with `raw`. */
export const piece = (text: string): Buffer => Buffer.from(text, "utf8");

const NULL = piece("null");
