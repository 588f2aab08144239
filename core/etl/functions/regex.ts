import { RE2JS } from "re2js";
import { MAX_PATTERN_LENGTH } from "../limits.ts";
import { show } from "../values.ts";
import { constantValue } from "./coerce.ts";
import { strict1, strict2, type ValueBuiltin } from "./types.ts";

/**
 * Regular expressions of scripts and of rows, on RE2 (re2js): matching takes time linear in the
 * text, whatever the pattern, so neither a script nor a row can make a match backtrack for hours
 * (`.*a.*a.*a.*a.*b` on 400 characters takes minutes with JavaScript's RegExp). RE2 has no
 * backreferences and no lookaround; such patterns are refused with that reason.
 */

const RE2_SYNTAX = "regular expressions use RE2 syntax, which matches in linear time";

/** Why RE2 refuses a feature a backtracking engine has, from its message about the pattern. */
function hintFor(pattern: string, detail: string): string {
  if (/invalid escape sequence: `\\[1-9k]`/.test(detail) || pattern.includes("(?P="))
    return `backreferences such as \\1 are not supported (${RE2_SYNTAX})`;
  if (pattern.includes("(?=") || pattern.includes("(?!"))
    return `lookahead (?= and (?! is not supported (${RE2_SYNTAX})`;
  if (pattern.includes("(?<=") || pattern.includes("(?<!"))
    return `lookbehind (?<= and (?<! is not supported (${RE2_SYNTAX})`;
  if (pattern.includes("(?>") || detail.includes("nested repetition operator"))
    return `atomic groups and possessive quantifiers are not supported (${RE2_SYNTAX})`;
  return RE2_SYNTAX;
}

/**
 * Python's spellings RE2 writes otherwise, rewritten in one pass: \uXXXX and \UXXXXXXXX (also
 * JavaScript's and Java's) become \x{...}, \Z (end of text) becomes \z. An escaped backslash
 * (\\u) stays as it is.
 */
export function toRe2Syntax(pattern: string): string {
  if (!pattern.includes("\\")) return pattern;
  let out = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch !== "\\" || i + 1 >= pattern.length) {
      out += ch;
      continue;
    }
    const next = pattern[i + 1] as string;
    const digits = next === "u" ? 4 : next === "U" ? 8 : 0;
    const hex = pattern.slice(i + 2, i + 2 + digits);
    if (digits > 0 && hex.length === digits && /^[0-9A-Fa-f]+$/.test(hex)) {
      out += `\\x{${hex}}`;
      i += 1 + digits;
    } else {
      out += next === "Z" ? "\\z" : `\\${next}`;
      i++;
    }
  }
  return out;
}

function compileUncached(pattern: string): RE2JS | string {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `the regular expression is ${pattern.length.toLocaleString("en-US")} characters long, more than the ${MAX_PATTERN_LENGTH.toLocaleString("en-US")} allowed`;
  try {
    return RE2JS.compile(toRe2Syntax(pattern));
  } catch (error) {
    const detail = (error as Error).message.replace(/^error parsing regexp: /, "");
    return `invalid regular expression: ${detail}: ${hintFor(pattern, detail)}`;
  }
}

/**
 * Compiled patterns (and refusals) by text, least recently used first. Bounded in entries and in
 * characters: a pattern taken from each row compiles once per distinct text while it stays here,
 * and the memory held stays small (each RE2 program also keeps a lazy DFA of at most 8 MiB).
 */
const CACHE_ENTRIES = 64;
const CACHE_CHARACTERS = 65_536;
const cache = new Map<string, RE2JS | string>();
let cachedCharacters = 0;

/** The compiled pattern, or why it is refused (a message without the function's name). */
export function compilePattern(pattern: string): RE2JS | string {
  const hit = cache.get(pattern);
  if (hit !== undefined) {
    cache.delete(pattern);
    cache.set(pattern, hit);
    return hit;
  }
  const compiled = compileUncached(pattern);
  if (pattern.length <= CACHE_CHARACTERS) {
    for (const oldest of cache.keys()) {
      if (cache.size < CACHE_ENTRIES && cachedCharacters + pattern.length <= CACHE_CHARACTERS) break;
      cache.delete(oldest);
      cachedCharacters -= oldest.length;
    }
    cache.set(pattern, compiled);
    cachedCharacters += pattern.length;
  }
  return compiled;
}

/** How many patterns the cache holds (tests). */
export function cachedPatterns(): number {
  return cache.size;
}

export const regexFunctions: ValueBuiltin[] = [
  {
    kind: "value",
    name: "regex_match",
    signature: "(s: string, pattern: string) -> bool",
    min: 2,
    max: 2,
    // A pattern written in the script is checked once, whatever the table.
    shape(call) {
      const pattern = call.args[1]?.value;
      if (pattern?.kind !== "string") return undefined;
      const compiled = compilePattern(pattern.value);
      return typeof compiled === "string"
        ? { pos: pattern.pos, message: `regex_match: ${compiled}` }
        : undefined;
    },
    compile(cx) {
      const s = cx.arg(0, ["string"], "a string").eval;
      const pattern = cx.arg(1, ["string"], "a string (the regular expression)");
      const limit = cx.regexInputLimit;
      const fail = cx.fail;
      const test = (re: RE2JS, input: string) =>
        input.length > limit
          ? fail(
              `input of ${input.length} characters is longer than the ${limit} a regular expression may read`,
            )
          : re.testExact(input);
      if (pattern.constant) {
        const text = constantValue(pattern);
        if (text === null) return { type: "bool", eval: () => null };
        const re = compilePattern(text as string);
        if (typeof re === "string") return cx.error(pattern.pos, `regex_match: ${re}`);
        return { type: "bool", eval: strict1(s, (x) => test(re, x as string)) };
      }
      // A pattern from the row: compiled (or refused) once per distinct text while cached.
      return {
        type: "bool",
        eval: strict2(s, pattern.eval, (x, p) => {
          const re = compilePattern(p as string);
          return typeof re === "string" ? fail(`pattern ${show(p)}: ${re}`) : test(re, x as string);
        }),
      };
    },
  },
];
