import { createHash } from "node:crypto";
import type { Connection } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import { loadEtlEngine } from "../pipeline/etl.ts";
import { type TableRoute, taskRoutes, usableRoute } from "../pipeline/table-route.ts";
import type { KafkaWriter } from "../sinks/kafka/writer.ts";
import { readCatalog } from "../source/catalog-reader.ts";
import { qualified } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import { type Chunk, type ChunkLedger, chunkId } from "../store/chunk-ledger.ts";
import { copyRange } from "./copy.ts";
import { chooseWriteMethod, refusesLoadData, type WriteMethod } from "./load-data.ts";
import { planRanges } from "./planner.ts";
import { copyRangeToKafka, copyRangeWithEtl } from "./row-copy.ts";
import { type TableCopyPlan, tableCopyPlan } from "./table-plan.ts";

/** A selected table's route with its copy plan (the SQL the copy runs). */
export interface CopyTable {
  plan: TableCopyPlan;
  route: TableRoute;
}

/** Every selected table with its copy plan, indexed as the ledger's tableIndex. */
export async function copyTables(spec: TaskSpec, source: Connection): Promise<CopyTable[]> {
  const catalog = await readCatalog(source, [...new Set(spec.objects.map((o) => o.database))]);
  await loadEtlEngine(spec);
  // The source evaluates the filters of a full load: they need not evaluate on binlog rows.
  const { routes, missing } = taskRoutes(spec, catalog, { rows: false });
  const [gone] = missing;
  if (gone)
    throw new FatalError(`${qualified(gone.source)} no longer exists on the source: run precheck again`);
  return routes.map((route) => ({ plan: tableCopyPlan(usableRoute(route)), route }));
}

export async function copyPlans(spec: TaskSpec, source: Connection): Promise<TableCopyPlan[]> {
  return (await copyTables(spec, source)).map((t) => t.plan);
}

/** A plan is reused when the selection and chunk size are unchanged (a resumed run). */
export function planId(spec: TaskSpec): string {
  const basis = JSON.stringify({
    objects: spec.objects,
    capitalization: spec.capitalization,
    rows: spec.fullLoad.chunkRows,
    etl: spec.etl,
  });
  return createHash("sha256").update(basis).digest("hex").slice(0, 16);
}

/** Splits every selected table into chunks and writes the ledger. */
export async function planChunks(spec: TaskSpec, source: Connection, ledger: ChunkLedger): Promise<Chunk[]> {
  const plans = await copyPlans(spec, source);
  const chunks: Chunk[] = [];
  const now = new Date().toISOString();
  for (const [tableIndex, plan] of plans.entries()) {
    const ranges = await planRanges(source, plan, spec.fullLoad.chunkRows);
    for (const [index, range] of ranges.entries()) {
      chunks.push({
        task: spec.name,
        id: chunkId(tableIndex, index),
        tableIndex,
        table: plan.sourceTable.replaceAll("`", ""),
        lower: range.lower,
        upper: range.upper,
        estimatedRows: range.rows,
        state: "pending",
        rows: 0,
        attempts: 0,
        updatedAt: now,
      });
    }
  }
  await ledger.replace(spec.name, chunks);
  return chunks;
}

export interface CopyWorkerContext {
  spec: TaskSpec;
  execution: string;
  worker: number;
  workers: number;
  source: Connection;
  /** A MySQL connection, or the task's Kafka writer. */
  destination: Connection | KafkaWriter;
  ledger: ChunkLedger;
  /** Stop claiming new chunks after this time (ms since epoch): Lambda's 15-minute limit. */
  deadline?: number;
  /** When the full load started (epoch ms): snapshot rows' commit time for ETL and Kafka. */
  startedAt?: number;
  /** Called after each chunk is marked done (metrics). */
  onChunkDone?: (rows: number) => Promise<void>;
}

/** A copy worker writes a MySQL connection or a Kafka writer (kept out of MySQL tasks' imports). */
function isKafkaWriter(destination: Connection | KafkaWriter): destination is KafkaWriter {
  return typeof (destination as Partial<KafkaWriter>).writeRows === "function";
}

/** Claims chunks and copies them until none is left (or the deadline nears); returns chunks copied. */
export async function runCopyWorker(context: CopyWorkerContext): Promise<{ copied: number; more: boolean }> {
  const { spec, execution, ledger } = context;
  const tables = await copyTables(spec, context.source);
  const keepExisting = spec.conflictMode === "ignore-and-proceed";
  let method: WriteMethod = isKafkaWriter(context.destination)
    ? "insert"
    : await chooseWriteMethod(context.destination, keepExisting);
  let copied = 0;
  for (;;) {
    if (context.deadline !== undefined && Date.now() > context.deadline) return { copied, more: true };
    const chunk = await ledger.claim(spec.name, execution, context.worker, context.workers);
    if (!chunk) return { copied, more: false };
    const table = tables[chunk.tableIndex];
    if (!table)
      throw new FatalError(`chunk ${chunk.id} names table ${chunk.table} that the task no longer selects`);
    let reported = 0;
    let lastReport = Date.now();
    const rateLimitRowsPerSecond = spec.fullLoad.rateLimitRowsPerSecond
      ? Math.max(1, Math.floor(spec.fullLoad.rateLimitRowsPerSecond / context.workers))
      : undefined;
    const onRows = (rows: number) => {
      reported += rows;
      if (Date.now() - lastReport > 1000) {
        lastReport = Date.now();
        void ledger.progress(spec.name, chunk.id, execution, reported).catch(() => undefined);
      }
    };
    const destination = context.destination;
    const rowOptions = { rateLimitRowsPerSecond, onRows, etl: table.route.etl, startedAt: context.startedAt };
    const intoMysql = (target: Connection, using: WriteMethod) =>
      table.route.etl && !table.route.etl.passThrough
        ? copyRangeWithEtl(context.source, target, table.plan, table.route, chunk, {
            ...rowOptions,
            keepExisting,
            method: using,
          })
        : copyRange(context.source, target, table.plan, chunk, {
            keepExisting,
            rateLimitRowsPerSecond,
            onRows,
            method: using,
          });
    const result = isKafkaWriter(destination)
      ? await copyRangeToKafka(context.source, destination, table.plan, table.route, chunk, rowOptions)
      : await intoMysql(destination, method).catch((error: unknown) => {
          // A server or proxy that refuses LOAD DATA LOCAL although local_infile is on.
          if (method !== "load" || !refusesLoadData(error)) throw error;
          method = "insert";
          reported = 0;
          return intoMysql(destination, method);
        });
    await ledger.markDone(spec.name, chunk.id, execution, result.rows);
    await context.onChunkDone?.(result.rows);
    copied++;
  }
}
