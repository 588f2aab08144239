import type { ChunkSizes } from "../fullload/chunk-size.ts";
import { type TableCopyPlan, tableCopyPlan } from "../fullload/table-plan.ts";
import { type Catalog, type CatalogTable, catalogTable } from "../model/catalog.ts";
import { loadEtlEngine } from "../pipeline/etl.ts";
import { type TableRoute, taskRoutes } from "../pipeline/table-route.ts";
import { destinationCreateTable } from "../schema/create-table.ts";
import { qualified } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { quoteIdentifier, quoteQualified } from "../sql/identifiers.ts";
import { type ColumnEffects, columnEffects } from "./columns.ts";
import { type Eta, type EtaTable, estimateChunks, estimateEta, type ReadSample } from "./estimate.ts";

/** A table's size from information_schema.TABLES (estimates; no table is counted). */
export interface TableSize {
  rows: number;
  /** AVG_ROW_LENGTH: what the planner sizes chunks by. */
  rowBytes: number;
  dataBytes: number;
  indexBytes: number;
}

/** What `dts plan` reads from the source; every method only reads. */
export interface PlanSource {
  catalog(databases: string[]): Promise<Catalog>;
  size(database: string, table: string): Promise<TableSize>;
  /** Rows per chunk as the planner sizes them (it samples rows when the statistics have no row length). */
  rowsPerChunk(plan: TableCopyPlan, sizes: ChunkSizes, size: TableSize): Promise<number>;
  showCreateTable(database: string, table: string): Promise<string>;
  /** Times reading rows of the table through the copy's SELECT (readers: the workers that would copy it). */
  sample(
    table: { plan: TableCopyPlan; route: TableRoute; name: string; size: TableSize },
    readers: number,
  ): Promise<ReadSample | undefined>;
}

export interface PlannedTable {
  source: string;
  destination: string;
  rows: number;
  dataBytes: number;
  indexBytes: number;
  rowsPerChunk: number;
  chunks: number;
  filter?: string | undefined;
  columns: ColumnEffects;
  /** Statements the schema phase would run for it (CREATE TABLE, ADD COLUMN for the script), in order. */
  ddl: string[];
  /** Secondary indexes built after the full load (ADD clauses). */
  deferredIndexes: string[];
  notes: string[];
  /** Why the task cannot move this table (it would stop); precheck fails it too. */
  problem?: string | undefined;
}

export interface TaskPlan {
  task: string;
  destination: "mysql" | "kafka";
  migrationTypes: string[];
  fullLoad: { chunkRows: number; chunkBytes: number; parallelism: number; rateLimitRowsPerSecond?: number };
  tables: PlannedTable[];
  /** Tables the spec names that the source lacks (precheck fails them). */
  missing: string[];
  totals: { rows: number; dataBytes: number; chunks: number };
  /** The full load's ETA; absent when the task has no full load. */
  eta?: Eta | undefined;
  samples: ReadSample[];
}

/** Tables whose read is timed: the largest ones, within a few seconds. */
const SAMPLED_TABLES = 2;

/** What would happen if the task ran: names, sizes, chunks, column effects, DDL and the full load's ETA. Writes nothing. */
export async function previewTask(spec: TaskSpec, source: PlanSource): Promise<TaskPlan> {
  const catalog = await source.catalog([...new Set(spec.objects.map((o) => o.database))]);
  await loadEtlEngine(spec);
  const { routes, missing } = taskRoutes(spec, catalog, { rows: false });
  const sizes = { chunkRows: spec.fullLoad.chunkRows, chunkBytes: spec.fullLoad.chunkBytes };
  const kafka = spec.destination.type === "kafka";
  const full = spec.migrationTypes.includes("full");
  const tables: PlannedTable[] = [];
  const sampleable: { plan: TableCopyPlan; route: TableRoute; name: string; size: TableSize }[] = [];
  for (const route of routes) {
    const found = catalogTable(catalog, route.source.database, route.source.table) as CatalogTable;
    const size = await source.size(route.source.database, route.source.table);
    const plan = route.unusable ? undefined : tableCopyPlan(route);
    const perChunk = plan ? await source.rowsPerChunk(plan, sizes, size) : sizes.chunkRows;
    const chunks = estimateChunks(size.rows, perChunk);
    const schema = spec.migrationTypes.includes("schema")
      ? await schemaStatements(spec, route, source, kafka)
      : { ddl: [], deferredIndexes: [], notes: [] };
    tables.push({
      source: qualified(route.source),
      destination: qualified(route.destination),
      rows: size.rows,
      dataBytes: size.dataBytes,
      indexBytes: size.indexBytes,
      rowsPerChunk: perChunk,
      chunks,
      filter: route.selected.where,
      columns: columnEffects(route, found),
      ...schema,
      problem: route.unusable,
    });
    if (plan) sampleable.push({ plan, route, name: qualified(route.source), size });
  }
  const samples: ReadSample[] = [];
  let eta: Eta | undefined;
  if (full) {
    const totalChunks = tables.reduce((n, t) => n + t.chunks, 0);
    const readers = Math.max(1, Math.min(spec.fullLoad.parallelism, totalChunks));
    const largest = [...sampleable].sort((a, b) => b.size.rows - a.size.rows).slice(0, SAMPLED_TABLES);
    for (const table of largest) {
      const sample = await source.sample(table, readers);
      if (sample) samples.push(sample);
    }
    const etaTables: EtaTable[] = tables
      .filter((t) => !t.problem)
      .map((t) => ({
        table: t.source,
        rows: t.rows,
        rowBytes: rowBytesOf(sampleable, t.source),
        chunks: t.chunks,
      }));
    eta = estimateEta({
      tables: etaTables,
      samples,
      parallelism: spec.fullLoad.parallelism,
      rateLimitRowsPerSecond: spec.fullLoad.rateLimitRowsPerSecond,
      destination: kafka ? "kafka" : "mysql",
    });
  }
  return {
    task: spec.name,
    destination: kafka ? "kafka" : "mysql",
    migrationTypes: [...spec.migrationTypes],
    fullLoad: { ...spec.fullLoad },
    tables,
    missing: missing.map((m) => qualified(m.source)),
    totals: {
      rows: tables.reduce((n, t) => n + t.rows, 0),
      dataBytes: tables.reduce((n, t) => n + t.dataBytes, 0),
      chunks: tables.reduce((n, t) => n + t.chunks, 0),
    },
    eta,
    samples,
  };
}

function rowBytesOf(tables: { name: string; size: TableSize }[], name: string): number {
  return tables.find((t) => t.name === name)?.size.rowBytes ?? 0;
}

/**
 * The statements the schema phase would run for a table, built by its own statement builder
 * (nothing is executed): CREATE TABLE with secondary indexes deferred when a full load follows,
 * then the script's added columns. For Kafka, the CREATE TABLE is the DDL record's text.
 */
async function schemaStatements(
  spec: TaskSpec,
  route: TableRoute,
  source: PlanSource,
  kafka: boolean,
): Promise<{ ddl: string[]; deferredIndexes: string[]; notes: string[] }> {
  const showCreate = await source.showCreateTable(route.source.database, route.source.table);
  const selected = {
    ...route.selected,
    columns: route.selected.columns.filter((c) => !isAdded(route, c.source)),
  };
  const deferSecondary = !kafka && spec.migrationTypes.includes("full");
  try {
    const built = destinationCreateTable(showCreate, selected, true, deferSecondary);
    const name = quoteQualified(route.destination.database, route.destination.table);
    const added = kafka
      ? []
      : route.columns
          .filter((c) => c.added)
          .map(
            (c) =>
              `ALTER TABLE ${name} ADD COLUMN ${quoteIdentifier(c.name)} ${c.definition.columnType} NULL`,
          );
    return {
      ddl: [built.sql, ...added],
      deferredIndexes: built.deferredIndexes.map((i) => i.clause),
      notes: [
        ...built.notes,
        ...(kafka ? ["published as a DDL record on the DDL topic; no table is created"] : []),
      ],
    };
  } catch (error) {
    return { ddl: [], deferredIndexes: [], notes: [`cannot be created: ${(error as Error).message}`] };
  }
}

function isAdded(route: TableRoute, column: string): boolean {
  return route.columns.some((c) => c.added && c.source === column);
}
