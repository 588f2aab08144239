/**
 * JSON as users send it (spec files, API bodies): parse errors say where, never what was there
 * (JavaScript's own message quotes the text around the error, which may be a password), and a
 * document nested deeper than any spec is refused before anything walks it.
 */
export const MAX_JSON_DEPTH = 32;

/** "Unexpected token at line 3, column 14" from a JSON.parse error, without the text it quotes. */
export function jsonSyntaxProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message);
  // V8's "Unexpected token 'x', ..."x"... is not valid JSON" quotes the text: only its kind is kept.
  const described = message.startsWith("Unexpected token")
    ? "unexpected token"
    : message.startsWith("Unexpected end")
      ? "unexpected end of the text"
      : message.replace(/\s*(?:in|after) JSON at position \d+.*$|\s*at position \d+.*$/, "");
  const kind = `${described.charAt(0).toLowerCase()}${described.slice(1)}`;
  if (!position) return kind;
  const offset = Number(position[1]);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - before.lastIndexOf("\n");
  return `${kind} at line ${line}, column ${column}`;
}

/** The JSON path of the first place nested deeper than `limit`, or undefined. */
export function tooDeep(value: unknown, limit = MAX_JSON_DEPTH): string | undefined {
  const stack: [unknown, number, string][] = [[value, 0, "$"]];
  while (stack.length > 0) {
    const [current, depth, path] = stack.pop() as [unknown, number, string];
    if (current === null || typeof current !== "object") continue;
    if (depth >= limit) return path;
    const entries = Array.isArray(current)
      ? current.map((item, i) => [`[${i}]`, item] as const)
      : Object.entries(current).map(([key, item]) => [`.${key}`, item] as const);
    for (const [step, item] of entries) stack.push([item, depth + 1, `${path}${step}`]);
  }
  return undefined;
}
