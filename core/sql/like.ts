import { generalWeight } from "./collation.ts";

/**
 * MySQL's LIKE without a regular expression engine: the greedy two-pointer wildcard matcher, which
 * only ever goes back to the last `%` seen, so a match costs at most text × pattern steps whatever
 * the input (no backtracking explosion on `%a%a%a%…b`, a pattern taken from a column included).
 *
 * Semantics as MySQL's: `%` is any sequence, `_` exactly one character (a code point: '😀' is one),
 * the escape character (default backslash) makes the next character literal and is itself literal
 * when it ends the pattern; characters match when their collation weights are equal (by default
 * utf8mb4_general_ci's: case and most accents folded, see collation.ts). LIKE does not pad under any
 * collation: 'a ' is not LIKE 'a'.
 */
export interface LikeOptions {
  /** Compare by utf8mb4_general_ci weight; false compares code points. Default true. */
  caseInsensitive?: boolean;
  /** The weight of a character under the collation compared by (overrides `caseInsensitive`). */
  weight?: (cp: number) => number;
  /** The escape character: one character; "" for none. Default backslash. */
  escape?: string;
}

const ANY_ONE = -1;
const ANY_MANY = -2;
const PERCENT = 0x25;
const UNDERSCORE = 0x5f;
const BACKSLASH = 0x5c;
const codePoint = (cp: number) => cp;
const codePoints = (text: string) => Array.from(text, (ch) => ch.codePointAt(0) ?? 0);

/** Whether `text` is LIKE `pattern` (MySQL semantics, see the module comment). */
export function likeMatches(text: string, pattern: string, options: LikeOptions = {}): boolean {
  const weight = options.weight ?? (options.caseInsensitive === false ? codePoint : generalWeight);
  const escapeChar = options.escape === undefined ? BACKSLASH : (options.escape.codePointAt(0) ?? -3);
  const t = codePoints(text).map(weight);
  const raw = codePoints(pattern);
  const p: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const cp = raw[i] ?? 0;
    if (cp === escapeChar && i + 1 < raw.length) {
      const next = raw[++i] ?? 0;
      p.push(weight(next));
    } else if (cp === PERCENT) {
      if (p[p.length - 1] !== ANY_MANY) p.push(ANY_MANY);
    } else if (cp === UNDERSCORE) p.push(ANY_ONE);
    else p.push(weight(cp));
  }
  return wildcardMatch(t, p);
}

/** Greedy matching with one resume point (the last `%`): O(text × pattern) at worst. */
function wildcardMatch(t: number[], p: number[]): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let resume = 0;
  while (i < t.length) {
    const w = p[j];
    if (w !== undefined && w !== ANY_MANY && (w === ANY_ONE || w === t[i])) {
      i++;
      j++;
    } else if (w === ANY_MANY) {
      star = j++;
      resume = i;
    } else if (star >= 0) {
      j = star + 1;
      i = ++resume;
    } else return false;
  }
  while (p[j] === ANY_MANY) j++;
  return j === p.length;
}
