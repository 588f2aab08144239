import { expect } from "vitest";
import {
  compileEtl,
  EtlError,
  type EtlOptions,
  type EtlRowContext,
  EtlRuntimeError,
  type EtlTable,
} from "#core/etl/index.ts";
import type { Row } from "#core/model/row.ts";

/** The error a script that must not compile for `table` gives (fails the test when it compiles). */
export function compileError(script: string, table: EtlTable, options?: EtlOptions): EtlError {
  try {
    compileEtl(script, table, options);
  } catch (error) {
    expect(error).toBeInstanceOf(EtlError);
    return error as EtlError;
  }
  throw new Error(`expected ${script} to be rejected for ${table.table}`);
}

/** The error a compiled script gives on `row` (fails the test when the row goes through). */
export function runtimeError(
  script: string,
  table: EtlTable,
  row: Row,
  context: EtlRowContext,
  options?: EtlOptions,
): EtlRuntimeError {
  const compiled = compileEtl(script, table, options);
  try {
    compiled.transform(row, context);
  } catch (error) {
    expect(error).toBeInstanceOf(EtlRuntimeError);
    return error as EtlRuntimeError;
  }
  throw new Error(`expected ${script} to fail on the row`);
}
