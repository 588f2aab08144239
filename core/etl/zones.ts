import { DateTime } from "./datetime.ts";

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
 * The instant (epoch ms) a wall clock of `zone` denotes. In a daylight-saving overlap (01:30 twice)
 * or gap (02:30 never) it uses the offset in force before the transition, as java.time does:
 * the earlier of the two instants, or the time moved forward by the gap.
 */
export function instantOf(value: DateTime, zone: TimeZone): number {
  const wall = value.ms;
  const before = zone.offsetAt(wall - DAY_MS);
  const atBefore = wall - before;
  if (zone.offsetAt(atBefore) === before) return atBefore;
  const after = zone.offsetAt(wall + DAY_MS);
  const atAfter = wall - after;
  return zone.offsetAt(atAfter) === after ? atAfter : atBefore;
}

const DAY_MS = 86_400_000;
