import { readFile, stat } from "node:fs/promises";
import { type core, z } from "zod";
import { SpecError } from "../errors.ts";
import { isSecretKey, redact } from "../redact.ts";
import { jsonSyntaxProblem, MAX_JSON_DEPTH, tooDeep } from "./json.ts";
import { type TaskSpec, taskSpecSchema } from "./schema.ts";

/** Spec files are read whole: a few MiB is far more than any spec. */
const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** One problem in a spec: where, what was there, what is wrong and how to fix it. */
export interface SpecProblem {
  path: string;
  /** What the spec holds there; undefined when the field is missing. */
  received: string | undefined;
  message: string;
}

/** `$.objects[0].tables[1].name` from zod's path segments. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let out = "$";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

function valueAt(input: unknown, segments: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const segment of segments) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function describeValue(value: unknown, path: readonly PropertyKey[]): string {
  if (value === undefined) return "nothing";
  if (path.some((segment) => typeof segment === "string" && isSecretKey(segment))) return "a secret (hidden)";
  if (value !== null && typeof value === "object")
    return Array.isArray(value) ? `an array of ${value.length}` : "an object";
  const text = JSON.stringify(redact(value));
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] ?? 0;
      const substitution = previous + (a[i - 1] === b[j - 1] ? 0 : 1);
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution);
      previous = saved;
    }
  }
  return row[b.length] ?? 0;
}

function knownKeysAt(path: readonly PropertyKey[], input: unknown): string[] {
  // Walk the JSON Schema of the spec to list the fields allowed where the unknown key was found.
  let node = specJsonSchema() as Record<string, unknown>;
  for (const segment of path) {
    const resolved = resolveNode(node, input, path);
    if (typeof segment === "number") node = (resolved.items as Record<string, unknown>) ?? {};
    else
      node =
        ((resolved.properties as Record<string, unknown>)?.[String(segment)] as Record<string, unknown>) ??
        {};
  }
  const finalNode = resolveNode(node, input, path);
  return Object.keys((finalNode.properties as Record<string, unknown>) ?? {});
}

function resolveNode(node: Record<string, unknown>, input: unknown, path: readonly PropertyKey[]) {
  const variants = (node.anyOf ?? node.oneOf) as Record<string, unknown>[] | undefined;
  if (!variants) return node;
  const type = (valueAt(input, [...path.slice(0, -1), "type"]) ?? "") as string;
  const byType = variants.find(
    (v) => (v.properties as Record<string, { const?: unknown }> | undefined)?.type?.const === type,
  );
  return byType ?? variants.find((v) => v.properties !== undefined) ?? node;
}

function problemsFrom(issue: core.$ZodIssue, input: unknown): SpecProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => {
      const known = knownKeysAt(issue.path, input);
      const nearest = known
        .map((k) => ({ k, d: editDistance(k.toLowerCase(), key.toLowerCase()) }))
        .sort((x, y) => x.d - y.d)[0];
      const hint =
        nearest && nearest.d <= 2
          ? `did you mean "${nearest.k}"?`
          : `remove it; allowed here: ${known.join(", ") || "(see dts schema)"}`;
      return {
        path: jsonPath([...issue.path, key]),
        // What an unknown field holds is not echoed: it may be a secret under a name no rule knows.
        received: undefined,
        message: `unknown field: ${hint}`,
      };
    });
  }
  if (issue.code === "invalid_key") {
    // A record's key failed its own rule: say that rule, at the key.
    return issue.issues.slice(0, 1).map((inner) => ({
      path: jsonPath(issue.path),
      received: undefined,
      message: `key: ${inner.message}`,
    }));
  }
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    // The inner issues' paths start at the union. A branch whose only complaint is the value's
    // type (a string where an object was expected) is not the one the user meant.
    const meant = issue.errors.filter(
      (branch) => !(branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0),
    );
    const inner = (meant.length > 0 ? meant : issue.errors)
      .flat()
      .map((i) => ({ ...i, path: [...issue.path, ...i.path] }) as core.$ZodIssue);
    if (inner.length > 0 && inner.length < 5) return inner.flatMap((i) => problemsFrom(i, input));
  }
  const value = valueAt(input, issue.path);
  if (value === undefined && issue.code === "invalid_type") {
    const article = /^[aeiou]/.test(issue.expected) ? "an" : "a";
    return [
      {
        path: jsonPath(issue.path),
        received: undefined,
        message: `missing: add ${article} ${issue.expected} here (see \`dts schema\`)`,
      },
    ];
  }
  return [{ path: jsonPath(issue.path), received: describeValue(value, issue.path), message: issue.message }];
}

/** Validate an already-parsed JSON value; throws SpecError naming every problem. */
export function parseTaskSpec(input: unknown, origin = "the spec"): TaskSpec {
  const deep = tooDeep(input);
  if (deep !== undefined)
    throw new SpecError(
      `invalid task spec in ${origin}: ${deep.length > 80 ? `${deep.slice(0, 77)}...` : deep}: nested deeper than ${MAX_JSON_DEPTH} levels; a task spec is far flatter (see \`dts schema\`)`,
    );
  const result = taskSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => problemsFrom(issue, input));
  throw specErrorFrom(problems, origin);
}

export function specErrorFrom(problems: SpecProblem[], origin: string): SpecError {
  const lines = problems.map(
    (p) => `${p.path}: ${p.message}${p.received === undefined ? "" : ` (received ${p.received})`}`,
  );
  const first = lines[0] ?? "invalid";
  const more =
    lines.length > 1 ? ` (and ${lines.length - 1} more problem${lines.length > 2 ? "s" : ""})` : "";
  const error = new SpecError(`invalid task spec in ${origin}: ${first}${more}`, { details: lines });
  return Object.assign(error, { problems });
}

/** Read and validate a spec file; a missing file or bad JSON is a SpecError too. */
export async function loadTaskSpec(file: string): Promise<TaskSpec> {
  let text: string;
  try {
    if ((await stat(file)).size > MAX_SPEC_BYTES)
      throw new SpecError(
        `spec file ${file} is over ${MAX_SPEC_BYTES >> 20} MiB: a task spec is far smaller`,
      );
    text = await readFile(file, "utf8");
  } catch (error) {
    if (error instanceof SpecError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(
      code === "ENOENT"
        ? `spec file ${file} does not exist: pass the path of a task spec JSON file`
        : `cannot read spec file ${file}: ${(error as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new SpecError(`spec file ${file} is not valid JSON: ${jsonSyntaxProblem(text, error)}`);
  }
  return parseTaskSpec(value, file);
}

let cachedJsonSchema: unknown;

/** The JSON Schema of the spec as users write it (defaults make fields optional). */
export function specJsonSchema(): unknown {
  cachedJsonSchema ??= z.toJSONSchema(taskSpecSchema, { io: "input", unrepresentable: "any" });
  return cachedJsonSchema;
}
