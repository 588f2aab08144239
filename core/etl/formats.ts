import { DateTime, pad } from "./datetime.ts";

/** Formats: Java patterns (yyyy-MM-dd HH:mm:ss.SSS) and strftime (%Y-%m-%d %H:%M:%S.%f). */

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
