import type { RowValue } from "../model/row.ts";

/**
 * Readers of the values MySQL stores as big-endian digit groups and packed fields: DECIMAL and the
 * 5.6+ temporal types. Each gives ZongJi's text for the same bytes (row-values.ts).
 */
export interface Cursor {
  buf: Buffer;
  pos: number;
}
export type ValueReader = (c: Cursor) => RowValue;

const PAD2 = Array.from({ length: 100 }, (_, n) => (n < 10 ? `0${n}` : `${n}`));

/** Zero-padded to `size` digits, keeping the last `size` when longer (the decoder's historical rule). */
function pad(n: number, size: number): string {
  if (size === 2 && n >= 0 && n < 100) return PAD2[n] as string;
  if (n < 0) {
    const s = `00000000000000000000000000000000${n}`;
    return s.slice(s.length - size);
  }
  const s = String(n);
  if (s.length < size) return (ZEROS[size - s.length] as string) + s;
  return s.length === size ? s : s.slice(s.length - size);
}

/** "", "0", "00", ... : the zeros pad puts before a number's digits. */
const ZEROS = Array.from({ length: 33 }, (_, n) => "0".repeat(n));

function readInt24BE(buf: Buffer, at: number): number {
  return (buf.readInt8(at) << 16) + buf.readUInt16BE(at + 1);
}

function readIntBE(buf: Buffer, at: number, length: number): number {
  if (length === 1) return buf.readInt8(at);
  if (length === 2) return buf.readInt16BE(at);
  if (length === 3) return readInt24BE(buf, at);
  return buf.readInt32BE(at);
}

/** The ".ffffff" of a TIME2, DATETIME2 or TIMESTAMP2 with `precision` fractional digits ("" for none). */
function fraction(c: Cursor, precision: number): { text: string; zero: boolean } {
  if (!precision) return NO_FRACTION;
  const size = Math.ceil(precision / 2);
  let value = readIntBE(c.buf, c.pos, size);
  c.pos += size;
  if (precision % 2 !== 0) value /= 10;
  if (value < 0) value = -value;
  return { text: `.${pad(value, precision)}`, zero: value === 0 };
}
const NO_FRACTION = { text: "", zero: true };

const DECIMAL_BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4];
const scratch = Buffer.alloc(64);

/** DECIMAL(precision, scale) as its exact text (the binary layout of sql/decimal.c `decimal2bin`). */
export function decimalReader(precision: number, scale: number): ValueReader {
  const integral = precision - scale;
  const fullIntegral = Math.floor(integral / 9);
  const fullFraction = Math.floor(scale / 9);
  const leadDigits = integral - fullIntegral * 9;
  const tailDigits = scale - fullFraction * 9;
  const leadSize = DECIMAL_BYTES[leadDigits] as number;
  const tailSize = DECIMAL_BYTES[tailDigits] as number;
  const size = leadSize + fullIntegral * 4 + fullFraction * 4 + tailSize;
  return (c) => {
    const buf = scratch;
    c.buf.copy(buf, 0, c.pos, c.pos + size);
    c.pos += size;
    const positive = (buf[0] as number) & 0x80;
    buf[0] = (buf[0] as number) ^ 0x80;
    const mask = positive ? 0 : -1;
    let at = 0;
    let digits = "";
    if (leadSize > 0) {
      digits += (readIntBE(buf, 0, leadSize) ^ mask).toString();
      at = leadSize;
    }
    for (let i = 0; i < fullIntegral; i++, at += 4) digits += pad(buf.readInt32BE(at) ^ mask, 9);
    let first = 0;
    while (first < digits.length - 1 && digits.charCodeAt(first) === 48) first++;
    let text = (positive ? "" : "-") + (digits === "" ? "0" : first ? digits.slice(first) : digits);
    if (scale > 0) {
      text += ".";
      for (let i = 0; i < fullFraction; i++, at += 4) text += pad(buf.readInt32BE(at) ^ mask, 9);
      if (tailSize > 0) text += pad(readIntBE(buf, at, tailSize) ^ mask, tailDigits);
    }
    return text;
  };
}

/** DATE: year, month and day in 3 little-endian bytes. */
export const dateReader: ValueReader = (c) => {
  const raw = c.buf.readUIntLE(c.pos, 3);
  c.pos += 3;
  return `${pad(raw >> 9, 4)}-${pad((raw >> 5) & 15, 2)}-${pad(raw & 31, 2)}`;
};

/** DATETIME2(precision): 5 big-endian bytes of packed fields, then the fraction. */
export function datetimeReader(precision: number): ValueReader {
  return (c) => {
    const high = c.buf.readInt32BE(c.pos);
    const low = c.buf.readInt32BE(c.pos + 1);
    c.pos += 5;
    const yearMonth = (high & 0x7fffc000) >> 14;
    const clock = `${pad((low >> 12) & 31, 2)}:${pad((low >> 6) & 63, 2)}:${pad(low & 63, 2)}`;
    const day = `${pad(Math.floor(yearMonth / 13), 4)}-${pad(yearMonth % 13, 2)}-${pad((low >> 17) & 31, 2)}`;
    return `${day} ${clock}${fraction(c, precision).text}`;
  };
}

/** TIMESTAMP2(precision): big-endian epoch seconds (UTC), then the fraction; 0 is the zero date. */
export function timestampReader(precision: number): ValueReader {
  return (c) => {
    const seconds = c.buf.readInt32BE(c.pos);
    c.pos += 4;
    const part = fraction(c, precision);
    if (seconds === 0 && part.zero) return `0000-00-00 00:00:00${part.text}`;
    const d = new Date(seconds * 1000);
    const day = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
    return `${day} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${part.text}`;
  };
}

/** TIME2(precision): 3 big-endian bytes, sign bit set for positive times, then the fraction. */
export function timeReader(precision: number): ValueReader {
  return (c) => {
    let raw = readInt24BE(c.buf, c.pos);
    c.pos += 3;
    const part = fraction(c, precision);
    const negative = (raw & 0x800000) === 0;
    if (negative) raw ^= 0xffffff;
    const hour = (raw & 0x3ff000) >> 12;
    let second = raw & 63;
    if (negative && part.zero) second++;
    return `${negative ? "-" : ""}${pad(hour, hour > 99 ? 3 : 2)}:${pad((raw >> 6) & 63, 2)}:${pad(second, 2)}${part.text}`;
  };
}
