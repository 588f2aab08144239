import { arithmetic } from "./arithmetic.ts";
import { dateFunctions } from "./dates.ts";
import { events } from "./events.ts";
import { logic } from "./logic.ts";
import { regexFunctions } from "./regex.ts";
import { stringFunctions } from "./strings.ts";
import type { Builtin } from "./types.ts";

/** Every function of the DSL by name (case-sensitive). */
export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(
  [...events, ...arithmetic, ...logic, ...stringFunctions, ...regexFunctions, ...dateFunctions].map((b) => [
    b.name,
    b,
  ]),
);

/** Names usable without parentheses. */
export const VARIABLES = [
  "__DB__",
  "__TB__",
  "__OPERATION__",
  "__OP_INSERT__",
  "__OP_UPDATE__",
  "__OP_DELETE__",
  "__COMMIT_TIMESTAMP__",
] as const;

export type Variable = (typeof VARIABLES)[number];

/** Names of the product's DSL this engine does not implement, with what to do instead. */
export const UNSUPPORTED: ReadonlyMap<string, string> = new Map([
  ["__BEFORE__", "before images are not available to scripts: the script sees the row being written"],
  ["__AFTER__", "the script always sees the row being written; refer to its columns directly"],
]);
