import type { CompiledEtl, EtlProblem, EtlTable } from "../etl/index.ts";
import { dataTypeOf } from "../etl/types.ts";
import { type Catalog, type CatalogColumn, catalogTable, rowKey } from "../model/catalog.ts";
import { selectedTables } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { namesTable } from "../spec/table-name.ts";

type EtlEngine = typeof import("../etl/index.ts");
let engine: EtlEngine | undefined;

/**
 * Loads the ETL engine when the task carries a script. Its parser library (chevrotain, with
 * lodash-es's hundreds of modules) takes about half a second to import, which every `dts` command
 * and every Lambda cold start of a task without a script would otherwise pay.
 */
export async function loadEtlEngine(spec: TaskSpec): Promise<void> {
  if (spec.etl && !engine) engine = await import("../etl/index.ts");
}

function loadedEngine(): EtlEngine {
  if (!engine) throw new Error("the ETL engine is used before loadEtlEngine(spec) was awaited");
  return engine;
}

/** The destination-only columns `etl.addColumns` gives a source table (database.table). */
export function addedColumns(spec: TaskSpec, database: string, table: string): CatalogColumn[] {
  return (spec.etl?.addColumns ?? [])
    .filter((c) => namesTable(c.table, { database, table }))
    .map((c) => ({
      name: c.name,
      dataType: dataTypeOf(c.type),
      columnType: c.type.toLowerCase(),
      nullable: true,
      generated: false,
    }));
}

function etlTables(spec: TaskSpec, catalog: Catalog): EtlTable[] {
  return selectedTables(spec, catalog).flatMap((selected) => {
    const table = catalogTable(catalog, selected.source.database, selected.source.table);
    if (!table) return [];
    const names = new Set(selected.columns.map((c) => c.source));
    return [
      {
        database: selected.source.database,
        table: selected.source.table,
        columns: table.columns.filter((c) => names.has(c.name)),
        addedColumns: addedColumns(spec, selected.source.database, selected.source.table),
        key: rowKey(table)?.columns,
      },
    ];
  });
}

/** Problems of the task's script against every selected table (empty when there is no script; load the engine first). */
export function etlProblems(spec: TaskSpec, catalog: Catalog): EtlProblem[] {
  if (!spec.etl) return [];
  return loadedEngine().validateEtl(spec.etl.script, etlTables(spec, catalog));
}

/** The task's script compiled once per selected table (by tableKey), or undefined (load the engine first). */
export function compileTaskEtl(spec: TaskSpec, catalog: Catalog): Map<string, CompiledEtl> | undefined {
  if (!spec.etl) return undefined;
  const { compileEtlForTables, parseEtl } = loadedEngine();
  return compileEtlForTables(parseEtl(spec.etl.script), etlTables(spec, catalog));
}

export type { CompiledEtl };
