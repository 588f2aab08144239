/**
 * One growing buffer a message is written into, then copied out of (take): what the encoders'
 * writers (AvroBytes, JsonBytes) share.
 */
export class ByteWriter {
  protected buffer = Buffer.allocUnsafe(16 * 1024);
  protected at = 0;

  /** Makes room for `bytes` more. */
  protected room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(grown, 0, 0, this.at);
    this.buffer = grown;
  }

  /**
   * Drops what was written since the last take: every message starts here, so one whose encoding
   * threw halfway leaves nothing in the next.
   */
  restart(): this {
    this.at = 0;
    return this;
  }

  /** Bytes already encoded (a piece prepared once and repeated). */
  raw(value: Uint8Array): this {
    this.room(value.length);
    this.buffer.set(value, this.at);
    this.at += value.length;
    return this;
  }

  /** What was written, as a buffer of its own; the writer starts over. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.at);
    this.buffer.copy(out, 0, 0, this.at);
    this.at = 0;
    return out;
  }
}
