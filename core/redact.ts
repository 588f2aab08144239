/**
 * The one redaction rule for everything the project prints, logs, returns or stores for display:
 * the value of any key whose name looks like a secret (any case, any separator, close
 * misspellings of "password" included) is replaced, and from text the credentials of URLs
 * (`scheme://user:password@`) and of connection strings (`PWD=...;`) are removed.
 */
export const HIDDEN = "(hidden)";

const SECRET_WORDS = [
  "passw",
  "pasw",
  "pwd",
  "passwd",
  "passphrase",
  "secret",
  "token",
  "credential",
  "apikey",
  "privatekey",
  "accesskey",
  "sessionkey",
  "authorization",
];

/** Edit distance, stopping early once it is over `limit`. */
function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      row.push(value);
      best = Math.min(best, value);
    }
    if (best > limit) return limit + 1;
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** True for key names that hold secrets: password, Password, pasword, db_passwd, apiToken, clientSecret... */
export function isSecretKey(key: string): boolean {
  const name = key.toLowerCase().replace(/[^a-z0-9]/g, "");
  if (name === "") return false;
  // The secret's address is not the secret: ARNs and key ids name where it is kept.
  if (name.endsWith("arn") || name.endsWith("id") || name === "serverpublickey") return false;
  if (SECRET_WORDS.some((word) => name.includes(word))) return true;
  // Misspellings: close to "password" (pasword, passwrod) or "secret" (secert), not to short words
  // that merely look alike (passed, paused, open, taken).
  return distance(name, "password", 2) <= 2 || distance(name, "secret", 1) <= 1;
}

/**
 * A secret-named key written in text, with its separator: `password=` and `PWD=` (connection
 * strings), `"password":` (JSON), or a space or colon before a quoted value (Spider's
 * `password "x"`). A bare `password: text` is left alone: messages name fields that way.
 */
const KEY_VALUE =
  /((?:"(?:password|passwd|pwd|secret|token)"\s*:\s*|\b(?:password|passwd|pwd|secret|token)(?:\s*=\s*|\s*:?\s+(?=["']))))("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.|'')*'|[^\s;,&)}\]]+)/gi;

/**
 * Removes credentials from free text: the user information of URLs (everything up to the last `@`
 * of the address, so a password holding `@` or `/` goes too) and the values of secret-named keys in
 * connection strings, JSON and key: value text.
 */
export function redactText(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)(?:[^\s@'"]*@)+/gi, (_, scheme: string) => `${scheme}${HIDDEN}@`)
    .replace(KEY_VALUE, (_, key: string) => `${key}${HIDDEN}`);
}

/**
 * A copy of `value` with secret-named keys' values hidden and URL credentials removed from
 * strings. Cycles and depths past 64 levels are cut, so any value can be printed.
 */
export function redact<T>(value: T): T {
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === "string") return redactText(v);
    if (v === null || typeof v !== "object") return v;
    if (depth > 64 || seen.has(v)) return "(...)";
    seen.add(v);
    try {
      if (Array.isArray(v)) return v.map((item) => walk(item, depth + 1));
      if (v instanceof Error) return redactText(v.message);
      if (Buffer.isBuffer(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        out[key] = isSecretKey(key) && item !== undefined && item !== null ? HIDDEN : walk(item, depth + 1);
      }
      return out;
    } finally {
      seen.delete(v);
    }
  };
  return walk(value, 0) as T;
}
