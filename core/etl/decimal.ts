/**
 * Exact decimal numbers (DECIMAL columns, literals such as 1.5): an unscaled bigint and a scale, so
 * that 0.1 + 0.2 is 0.3 and money columns keep their digits. Division is not exact and is done on
 * doubles by the caller.
 */
export class Decimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}

  static parse(text: string): Decimal | undefined {
    // Trimmed first: with \s* at both ends of the pattern, a run of spaces followed by a letter
    // is split between them every way (quadratic: seconds for a 64 KiB op_in item).
    const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!m) return undefined;
    const int = m[2] ?? "";
    const frac = m[3] ?? "";
    if (int === "" && frac === "") return undefined;
    const exponent = m[4] === undefined ? 0 : Number(m[4]);
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined;
    let unscaled = BigInt(`${int}${frac}` || "0");
    let scale = frac.length - exponent;
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new Decimal(m[1] === "-" ? -unscaled : unscaled, scale);
  }

  static fromLong(value: number | bigint): Decimal {
    return new Decimal(BigInt(value), 0);
  }

  /** A double's shortest decimal representation, exactly. */
  static fromNumber(value: number): Decimal | undefined {
    if (!Number.isFinite(value)) return undefined;
    return Decimal.parse(String(value));
  }

  private rescale(scale: number): bigint {
    return this.unscaled * 10n ** BigInt(scale - this.scale);
  }

  add(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.rescale(scale) + other.rescale(scale), scale);
  }

  sub(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.rescale(scale) - other.rescale(scale), scale);
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.unscaled * other.unscaled, this.scale + other.scale);
  }

  /** Remainder with the sign of the dividend (MySQL MOD, Java %); undefined when dividing by zero. */
  mod(other: Decimal): Decimal | undefined {
    if (other.unscaled === 0n) return undefined;
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.rescale(scale) % other.rescale(scale), scale);
  }

  compare(other: Decimal): number {
    const scale = Math.max(this.scale, other.scale);
    const a = this.rescale(scale);
    const b = other.rescale(scale);
    return a === b ? 0 : a < b ? -1 : 1;
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    if (this.scale === 0) return `${negative ? "-" : ""}${digits}`;
    const padded = digits.padStart(this.scale + 1, "0");
    const point = padded.length - this.scale;
    return `${negative ? "-" : ""}${padded.slice(0, point)}.${padded.slice(point)}`;
  }
}
