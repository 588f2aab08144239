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

// ---------------------------------------------------------------------------------------------
// Time zones

/** A time zone: how far its wall clock is ahead of UTC at an instant. */
export interface TimeZone {
  readonly name: string;
  /** Milliseconds to add to a UTC instant to get this zone's wall clock. */
  offsetAt(instantMs: number): number;
}

const FIXED_ZONE = /^(?:(?:UTC|GMT)\s*)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;
const zoneCache = new Map<string, TimeZone>();

/**
 * 'UTC', 'GMT', 'Z', fixed offsets ('+08:00', '-0530', 'GMT+08', 'UTC+8') or an IANA name
 * ('Asia/Shanghai'); undefined when it is none of these.
 */
export function parseTimeZone(name: string): TimeZone | undefined {
  const cached = zoneCache.get(name);
  if (cached) return cached;
  const zone = makeZone(name.trim());
  if (zone) zoneCache.set(name, zone);
  return zone;
}

function makeZone(name: string): TimeZone | undefined {
  if (/^(UTC|GMT|Z)$/i.test(name)) return { name, offsetAt: () => 0 };
  const fixed = FIXED_ZONE.exec(name);
  if (fixed) {
    const hours = Number(fixed[2]);
    const minutes = Number(fixed[3] ?? 0);
    if (hours > 18 || minutes > 59) return undefined;
    const offset = (fixed[1] === "-" ? -1 : 1) * (hours * 60 + minutes) * 60_000;
    return { name, offsetAt: () => offset };
  }
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  } catch {
    return undefined;
  }
  return {
    name,
    offsetAt(instantMs: number): number {
      const base = Math.floor(instantMs / 1000) * 1000;
      const fields: Record<string, number> = {};
      for (const part of format.formatToParts(new Date(base))) fields[part.type] = Number(part.value);
      const wall = new Date(0);
      wall.setUTCFullYear(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1);
      wall.setUTCHours(fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, 0);
      return wall.getTime() - base;
    },
  };
}

/** The wall clock of `zone` at an instant (epoch ms plus extra microseconds). */
export function wallClock(instantMs: number, zone: TimeZone, fsp: number, micros = 0): DateTime | undefined {
  return DateTime.fromMs(instantMs + zone.offsetAt(instantMs), micros, fsp);
}

/**
 * The instant (epoch ms) a wall clock of `zone` denotes. In a DST gap or overlap it takes the
 * offset in force just before the transition, as java.time does for overlaps.
 */
export function instantOf(value: DateTime, zone: TimeZone): number {
  const first = value.ms - zone.offsetAt(value.ms);
  const second = value.ms - zone.offsetAt(first);
  return Math.min(first, second);
}

// ---------------------------------------------------------------------------------------------
// Formats: Java patterns (yyyy-MM-dd HH:mm:ss.SSS) and strftime (%Y-%m-%d %H:%M:%S.%f)

type Field =
  | "year"
  | "year2"
  | "month"
  | "day"
  | "hour"
  | "hour12"
  | "minute"
  | "second"
  | "fraction"
  | "ampm";
export type FormatToken = { kind: "text"; text: string } | { kind: "field"; field: Field; width: number };

const JAVA_FIELDS: Record<string, Field> = {
  y: "year",
  M: "month",
  d: "day",
  H: "hour",
  h: "hour12",
  m: "minute",
  s: "second",
  S: "fraction",
  a: "ampm",
};

const STRFTIME_FIELDS: Record<string, [Field, number]> = {
  Y: ["year", 4],
  y: ["year2", 2],
  m: ["month", 2],
  d: ["day", 2],
  H: ["hour", 2],
  I: ["hour12", 2],
  M: ["minute", 2],
  S: ["second", 2],
  f: ["fraction", 6],
  p: ["ampm", 2],
};

/**
 * Compiles a format once: strftime when it contains '%', else a Java DateTimeFormatter pattern.
 * Returns an error message (what is expected) when the pattern uses something unsupported.
 */
export function compileFormat(pattern: string): FormatToken[] | string {
  const tokens: FormatToken[] = [];
  const text = (t: string) => {
    const last = tokens[tokens.length - 1];
    if (last?.kind === "text") tokens[tokens.length - 1] = { kind: "text", text: last.text + t };
    else tokens.push({ kind: "text", text: t });
  };
  if (pattern.includes("%")) {
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i] ?? "";
      if (ch !== "%") {
        text(ch);
        continue;
      }
      const directive = pattern[++i];
      if (directive === "%") {
        text("%");
        continue;
      }
      const field = directive === undefined ? undefined : STRFTIME_FIELDS[directive];
      if (!field)
        return `unsupported directive %${directive ?? ""} in format "${pattern}": use %Y %y %m %d %H %I %M %S %f %p or %%`;
      tokens.push({ kind: "field", field: field[0], width: field[1] });
    }
    return tokens;
  }
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i] ?? "";
    if (ch === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) return `unterminated quote in format "${pattern}": close the literal text with '`;
      text(end === i + 1 ? "'" : pattern.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(ch)) {
      text(ch);
      i++;
      continue;
    }
    let count = 1;
    while (pattern[i + count] === ch) count++;
    const field = JAVA_FIELDS[ch];
    if (!field || (field === "month" && count > 2) || (field === "fraction" && count > 6))
      return `unsupported pattern letters ${ch.repeat(count)} in format "${pattern}": use yyyy yy MM M dd d HH H hh h mm m ss s S..SSSSSS a, and quote literal letters as 'T'`;
    tokens.push({ kind: "field", field: field === "year" && count === 2 ? "year2" : field, width: count });
    i += count;
  }
  return tokens;
}

export function formatDateTime(value: DateTime, tokens: readonly FormatToken[]): string {
  const d = new Date(value.ms);
  let out = "";
  for (const token of tokens) {
    if (token.kind === "text") {
      out += token.text;
      continue;
    }
    const hour = d.getUTCHours();
    switch (token.field) {
      case "year":
        out += pad(d.getUTCFullYear(), token.width);
        break;
      case "year2":
        out += pad(d.getUTCFullYear() % 100, 2);
        break;
      case "month":
        out += pad(d.getUTCMonth() + 1, token.width);
        break;
      case "day":
        out += pad(d.getUTCDate(), token.width);
        break;
      case "hour":
        out += pad(hour, token.width);
        break;
      case "hour12":
        out += pad(hour % 12 === 0 ? 12 : hour % 12, token.width);
        break;
      case "minute":
        out += pad(d.getUTCMinutes(), token.width);
        break;
      case "second":
        out += pad(d.getUTCSeconds(), token.width);
        break;
      case "fraction":
        out += pad(value.micro, 6).slice(0, token.width);
        break;
      case "ampm":
        out += hour < 12 ? "AM" : "PM";
        break;
    }
  }
  return out;
}

const MAX_DIGITS: Record<Field, number> = {
  year: 4,
  year2: 2,
  month: 2,
  day: 2,
  hour: 2,
  hour12: 2,
  minute: 2,
  second: 2,
  fraction: 6,
  ampm: 0,
};

/** Parses `text` with a compiled format; the whole text must match. Returns why not as a string. */
export function parseWithFormat(text: string, tokens: readonly FormatToken[]): DateTime | string {
  const f = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, micro: 0, fsp: 0, pm: false };
  let hour12: number | undefined;
  let at = 0;
  for (const token of tokens) {
    if (token.kind === "text") {
      if (!text.startsWith(token.text, at)) return `expected "${token.text}" at position ${at + 1}`;
      at += token.text.length;
      continue;
    }
    if (token.field === "ampm") {
      const marker = text.slice(at, at + 2).toUpperCase();
      if (marker !== "AM" && marker !== "PM") return `expected AM or PM at position ${at + 1}`;
      f.pm = marker === "PM";
      at += 2;
      continue;
    }
    const max = token.field === "fraction" ? token.width : MAX_DIGITS[token.field];
    let end = at;
    while (end < text.length && end - at < max && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57)
      end++;
    if (end === at) return `expected digits at position ${at + 1}`;
    const digits = text.slice(at, end);
    const n = Number(digits);
    at = end;
    switch (token.field) {
      case "year":
        f.year = n;
        break;
      case "year2":
        f.year = 2000 + n;
        break;
      case "month":
        f.month = n;
        break;
      case "day":
        f.day = n;
        break;
      case "hour":
        f.hour = n;
        break;
      case "hour12":
        hour12 = n;
        break;
      case "minute":
        f.minute = n;
        break;
      case "second":
        f.second = n;
        break;
      case "fraction":
        f.micro = Number(digits.padEnd(6, "0"));
        f.fsp = digits.length;
        break;
    }
  }
  if (at !== text.length) return `unexpected "${text.slice(at)}" after the format`;
  if (hour12 !== undefined) {
    if (hour12 < 1 || hour12 > 12) return `hour ${hour12} is not between 1 and 12`;
    f.hour = (hour12 % 12) + (f.pm ? 12 : 0);
  } else if (f.pm && f.hour < 12) f.hour += 12;
  const value = DateTime.of(f.year, f.month, f.day, f.hour, f.minute, f.second, f.micro, f.fsp);
  return value ?? "a field is out of range";
}
