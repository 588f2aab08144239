/**
 * DATETIME values of the DSL: a wall-clock time without a zone, to the microsecond, as MySQL
 * DATETIME holds it. `ms` is that wall clock read as if it were UTC (so Date's UTC getters give
 * its fields), `micros` the sub-millisecond part, `fsp` the fractional digits it prints with.
 */
export class DateTime {
  /** toString's result, kept: the same value is often written to many rows. */
  private text: string | undefined;

  constructor(
    readonly ms: number,
    readonly micros: number,
    readonly fsp: number,
  ) {}

  /** From fields; undefined when a field is out of range (month 13, February 30, year 10000). */
  static of(
    year: number,
    month: number,
    day: number,
    hour = 0,
    minute = 0,
    second = 0,
    micro = 0,
    fsp = 0,
  ): DateTime | undefined {
    if (year < 0 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
      return undefined;
    if (hour > 23 || minute > 59 || second > 59 || micro > 999_999) return undefined;
    if ([hour, minute, second, micro].some((n) => n < 0 || !Number.isInteger(n))) return undefined;
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, Math.floor(micro / 1000));
    return new DateTime(date.getTime(), micro % 1000, fsp);
  }

  /** From epoch milliseconds of the wall clock read as UTC; undefined outside years 0-9999. */
  static fromMs(ms: number, micros = 0, fsp = 0): DateTime | undefined {
    if (!Number.isFinite(ms) || !isInRange(ms)) return undefined;
    return new DateTime(Math.floor(ms), micros, fsp);
  }

  /**
   * 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]' (also with T). Returns null for MySQL zero dates
   * ('0000-00-00 ...', or a zero month or day), undefined when the text is not a datetime.
   */
  static parse(text: string): DateTime | null | undefined {
    const m = DATETIME_TEXT.exec(text);
    if (!m) return undefined;
    const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (month === 0 || day === 0) return null;
    const fraction = m[7] ?? "";
    return DateTime.of(
      year,
      month,
      day,
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
      Number(fraction.padEnd(6, "0")),
      fraction.length,
    );
  }

  get year(): number {
    return new Date(this.ms).getUTCFullYear();
  }

  /** Microseconds within the second (0-999999). */
  get micro(): number {
    return (((this.ms % 1000) + 1000) % 1000) * 1000 + this.micros;
  }

  withFsp(fsp: number): DateTime {
    return new DateTime(this.ms, this.micros, fsp);
  }

  compare(other: DateTime): number {
    if (this.ms !== other.ms) return this.ms < other.ms ? -1 : 1;
    return this.micros === other.micros ? 0 : this.micros < other.micros ? -1 : 1;
  }

  /** 'YYYY-MM-DD HH:MM:SS' with `fsp` fractional digits, as MySQL prints DATETIME(fsp). */
  toString(): string {
    if (this.text !== undefined) return this.text;
    const d = new Date(this.ms);
    const text = `${datePart(d)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
    this.text = this.fsp === 0 ? text : `${text}.${pad(this.micro, 6).slice(0, this.fsp)}`;
    return this.text;
  }

  /** 'YYYY-MM-DD', for DATE columns. */
  toDateString(): string {
    return datePart(new Date(this.ms));
  }
}

const DATETIME_TEXT =
  /^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,6}))?)?)?\s*$/;
const MAX_MS = (() => {
  const d = new Date(0);
  d.setUTCFullYear(9999, 11, 31);
  d.setUTCHours(23, 59, 59, 999);
  return d.getTime();
})();
const YEAR_ZERO_MS = (() => {
  const d = new Date(0);
  d.setUTCFullYear(0, 0, 1);
  d.setUTCHours(0, 0, 0, 0);
  return d.getTime();
})();

export function isInRange(ms: number): boolean {
  return ms >= YEAR_ZERO_MS && ms <= MAX_MS;
}

function datePart(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

export function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Adds calendar units the way java.time (and Python's relativedelta) do: years and months first,
 * clamping the day to the end of the month (Jan 31 + 1 month = Feb 28/29), then the fixed-length
 * units. Undefined when the result leaves years 0-9999.
 */
export function addToDateTime(
  value: DateTime,
  units: {
    years: number;
    months: number;
    weeks: number;
    days: number;
    hours: number;
    minutes: number;
    seconds: number;
  },
): DateTime | undefined {
  const d = new Date(value.ms);
  const totalMonths = d.getUTCFullYear() * 12 + d.getUTCMonth() + units.years * 12 + units.months;
  if (!Number.isSafeInteger(totalMonths)) return undefined;
  const year = Math.floor(totalMonths / 12);
  const month = totalMonths - year * 12 + 1;
  if (year < 0 || year > 9999) return undefined;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
  const moved = DateTime.of(
    year,
    month,
    day,
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    value.micro,
    value.fsp,
  );
  if (!moved) return undefined;
  const shift =
    ((units.weeks * 7 + units.days) * 24 * 3600 + units.hours * 3600 + units.minutes * 60 + units.seconds) *
    1000;
  const ms = moved.ms + shift;
  if (!Number.isFinite(ms) || !isInRange(ms)) return undefined;
  return new DateTime(ms, moved.micros, value.fsp);
}
