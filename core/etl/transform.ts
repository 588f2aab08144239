import type { Row } from "../model/row.ts";
import { setField } from "../model/row.ts";
import { EtlRuntimeError } from "./errors.ts";
import type { Env, EventCode } from "./functions/types.ts";
import type { CompiledEtl, EtlRowContext, EtlTable } from "./model.ts";

const OPERATIONS: Record<EtlRowContext["operation"], string> = {
  insert: "INSERT",
  update: "UPDATE",
  delete: "DELETE",
};

function pick(row: Row, key: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of key) setField(out, k, row[k] ?? null);
  return out;
}

/** Stands for the input row when it may be changed in place: never the row, so e_set does not copy. */
const DISPOSABLE: Row = Object.freeze({});

/** What compiling a script for a table found out, besides its code. */
export interface CompiledFacts {
  /** Columns the script can set, in script order. */
  writes: readonly string[];
  /** The destination-only ones among them. */
  added: readonly string[];
  /** A live e_drop exists. */
  canDrop: boolean;
  /** The script as SQL for full-load rows (pushdown.ts). */
  snapshotSql: CompiledEtl["snapshotSql"];
}

/** The row transform of a compiled script: runs its closures on one row at a time. */
export function build(table: EtlTable, code: EventCode, facts: CompiledFacts): CompiledEtl {
  const writes = [...facts.writes];
  const added = [...facts.added];
  const key = table.key ?? [];
  const run = code.run;
  const passThrough = code.noop;
  return {
    database: table.database,
    table: table.table,
    writes,
    addedColumns: added,
    canDrop: facts.canDrop && !passThrough,
    passThrough,
    snapshotSql: facts.snapshotSql,
    transform(row, context) {
      if (passThrough) return row;
      const env: Env = {
        input: context.rowIsDisposable === true ? DISPOSABLE : row,
        row,
        operation: OPERATIONS[context.operation],
        commitMs: context.commitTimestamp,
        nowMs: undefined,
      };
      try {
        if (!run(env)) return null;
      } catch (error) {
        if (error instanceof EtlRuntimeError && key.length > 0) throw error.withKey(pick(row, key));
        throw error;
      }
      let out = env.row;
      // Every row of the table carries the same columns: an added column no branch set is NULL.
      for (const name of added) {
        if (out[name] !== undefined) continue;
        if (out === row && context.rowIsDisposable !== true)
          out = Object.hasOwn(row, "__proto__") ? { ...row } : Object.assign({}, row);
        setField(out, name, null);
      }
      return out;
    },
  };
}
