import ZongJi from "@vlasky/zongji";
import { connectWithSecret } from "../adapters/secrets.ts";
import { BinlogPurgedError, FatalError, RetriableError } from "../errors.ts";
import type { BinlogPosition } from "../model/position.ts";
import { type Row, type RowChange, type SourceTransaction, setField } from "../model/row.ts";
import { INSECURE_AUTH } from "../source/auth-plugins.ts";
import { endpointConnectionOptions, isAccessDenied, sessionStatement } from "../source/connection.ts";
import type { MysqlEndpoint } from "../spec/schema.ts";
import { completeEnumSetValues } from "./enum-values.ts";
import { restoreYearZero, yearColumns } from "./year-zero.ts";
import { type BinlogCommand, decodeRowsBeforeZongji, type ZongjiInternals } from "./zongji-rows.ts";

/** The binlog as a stream of committed transactions (the port the tailer reads). */
export interface BinlogReader {
  start(
    from: BinlogPosition,
    onTransaction: (tx: SourceTransaction) => void,
    onError: (e: Error) => void,
  ): Promise<void>;
  /** Stops reading from the socket (backpressure); the server keeps the stream open. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/**
 * ZongJi builds each row as a plain object, so a column named `__proto__` would set the row's
 * prototype and lose its value. Such a column is renamed in the table map before rows are decoded
 * (the renamed name cannot be a column: MySQL names hold no NUL) and restored as an own property.
 */
const PROTO_STANDIN = "\u0000__proto__";

const realName = (name: string): string => (name === PROTO_STANDIN ? "__proto__" : name);

function protectColumnNames(table: { columns?: { name: string }[] } | undefined): void {
  for (const column of table?.columns ?? []) if (column.name === "__proto__") column.name = PROTO_STANDIN;
}

function restoreRow<T>(row: T, update: boolean): T {
  const fix = (image: Row): Row => {
    const out: Row = {};
    for (const [key, value] of Object.entries(image)) setField(out, realName(key), value);
    return out;
  };
  const pair = row as { before?: Row; after?: Row };
  if (update && pair.before && pair.after) return { before: fix(pair.before), after: fix(pair.after) } as T;
  return fix(row as Row) as T;
}

interface ZongjiEvent {
  getEventName(): string;
  timestamp: number;
  nextPosition: number;
  /** Size of the event's body in the binlog. */
  size?: number;
  /** Heartbeat: the binlog the server is at (and, past 4 GiB on MariaDB, the position). */
  binlogName?: string;
  position?: number;
  query?: string;
  schema?: string;
  tableId?: number;
  tableMap?: Record<
    number,
    {
      parentSchema: string;
      tableName: string;
      columns?: { name: string; type?: number }[];
      columnSchemas?: Parameters<typeof completeEnumSetValues>[0];
    }
  >;
  rows?: (Row | { before: Row; after: Row })[];
}

interface ZongjiInstance extends ZongjiInternals {
  on(event: "binlog", listener: (e: ZongjiEvent) => void): void;
  on(event: "error", listener: (e: Error & { code?: string; errno?: number }) => void): void;
  on(event: "ready" | "stopped", listener: () => void): void;
  start(options: Record<string, unknown>): void;
  stop(): void;
  options: { filename?: string; position?: number };
  gtidSet?: string;
  connection: {
    addCommand?: (command: BinlogCommand) => unknown;
    pause(): void;
    resume(): void;
    stream?: NodeJS.ReadableStream;
    query(sql: string, callback: (error: Error | null) => void): void;
  } | null;
  /** ZongJi's control connection (a callback-style mysql2 connection), created by start(). */
  ctrlConnection: { query(sql: string, callback: (error: Error | null) => void): void } | null;
}

const OPS: Record<string, RowChange["op"]> = {
  writerows: "insert",
  updaterows: "update",
  deleterows: "delete",
};

/** A purged binlog is not retried: incremental migration cannot continue without a new full load. */
export function classifyReaderError(
  error: Error & { code?: string; errno?: number },
  from: BinlogPosition,
): Error {
  const text = error.message ?? String(error);
  if (error.code === INSECURE_AUTH)
    return new FatalError(`binlog connection to the source refused: ${text}`, { cause: error });
  if (isAccessDenied(error))
    return new FatalError(
      `binlog connection to the source refused the login: ${text}; check source.user and source.password`,
      { cause: error },
    );
  if (error.errno === 1236 || /could not find first log file|purged|1236/i.test(text)) {
    return new BinlogPurgedError(
      `the source no longer has binlog ${from.file} (position ${from.position}): it was purged before the tailer read it. ` +
        "Incremental migration cannot go on from there: `dts restart <task> --from-scratch` loads the data again from a new position; keep binlogs for at least 7 days",
      { cause: error },
    );
  }
  return new RetriableError(`binlog connection to the source failed: ${text}`, { cause: error });
}

/**
 * ZongJi's connection options: the same address, account, TLS and guarded auth plugins as every
 * other source connection (ZongJi opens a control and a binlog connection with them).
 */
export function zongjiOptions(endpoint: MysqlEndpoint, password: string): Record<string, unknown> {
  return {
    ...endpointConnectionOptions(endpoint, "source", password),
    connectTimeout: 10_000,
    dateStrings: true,
    timezone: "Z",
    jsonStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  };
}

/**
 * Lets `stream` deliver one chunk per turn of the event loop (while `mayResume` says so). Node
 * reads up to 32 chunks of a busy socket in one go, and decoding that many row events takes long
 * enough that the destination's answers, and so its next statement, wait behind them: the
 * destination would idle while the binlog is decoded. The chunks wait in the socket's buffer.
 */
export function oneChunkPerTurn(stream: NodeJS.ReadableStream, mayResume: () => boolean): void {
  let scheduled = false;
  stream.on("data", () => {
    if (scheduled) return;
    scheduled = true;
    stream.pause();
    setImmediate(() => {
      scheduled = false;
      if (mayResume()) stream.resume();
    });
  });
}

/** How often an idle source sends the reader its binlog position. */
const HEARTBEAT_PERIOD_S = 2;

/**
 * Who decodes rows events: our own decoder (row-image.ts) for tables whose column types it reads,
 * ZongJi for the rest; or ZongJi for all (the reference the decoder is tested against).
 */
export type RowDecoding = "own" | "zongji";

/** Reads the source binlog with @vlasky/zongji and assembles committed transactions. */
export class ZongjiBinlogReader implements BinlogReader {
  private zongji: ZongjiInstance | undefined;
  /** Paused by the tailer (backpressure): the chunk-by-chunk yield must not resume the stream. */
  private held = false;
  /** Rows events decoded by our own decoder (the rest went through ZongJi's). */
  rowsEventsDecodedHere = 0;

  constructor(
    private readonly endpoint: MysqlEndpoint,
    private readonly databases: string[],
    private readonly serverId: number,
    private readonly rowDecoding: RowDecoding = "own",
  ) {}

  /** Logs in like every source connection: a rotated secret is fetched again once (core/adapters/secrets.ts). */
  async start(
    from: BinlogPosition,
    onTransaction: (tx: SourceTransaction) => void,
    onError: (e: Error) => void,
  ): Promise<void> {
    await connectWithSecret(
      this.endpoint,
      (password) =>
        this.startWith(password, from, onTransaction, onError).catch(async (error: unknown) => {
          // A refused login may be tried again with a fresh password: this attempt's connections go.
          await this.stop();
          throw error;
        }),
      isAccessDenied,
    );
  }

  private async startWith(
    password: string,
    from: BinlogPosition,
    onTransaction: (tx: SourceTransaction) => void,
    onError: (e: Error) => void,
  ): Promise<void> {
    const zongji = new (ZongJi as unknown as new (options: object) => ZongjiInstance)(
      zongjiOptions(this.endpoint, password),
    );
    this.zongji = zongji;
    this.held = false;
    let changes: RowChange[] = [];
    let bytes = 0;
    const position = (e: ZongjiEvent): BinlogPosition => {
      const gtid = zongji.gtidSet;
      return {
        file: zongji.options.filename ?? from.file,
        position: e.nextPosition,
        ...(gtid ? { gtid } : {}),
      };
    };
    zongji.on("binlog", (e) => {
      const name = e.getEventName();
      if (name === "tablemap") {
        const table = e.tableMap?.[e.tableId ?? -1];
        protectColumnNames(table);
        completeEnumSetValues(table?.columnSchemas);
        return;
      }
      const op = OPS[name];
      if (op) {
        const table = e.tableMap?.[e.tableId ?? -1];
        if (!table) return;
        bytes += e.size ?? 0;
        const rows = table.columns?.some((c) => c.name === PROTO_STANDIN)
          ? e.rows?.map((row) => restoreRow(row, op === "update"))
          : e.rows;
        const years = yearColumns(table, realName);
        for (const row of rows ?? []) {
          if (years.length > 0) {
            const pair = row as { before?: Row; after?: Row };
            if (op === "update") {
              restoreYearZero(pair.before, years);
              restoreYearZero(pair.after, years);
            } else restoreYearZero(row as Row, years);
          }
          if (op === "update") {
            const pair = row as { before: Row; after: Row };
            changes.push({
              op,
              database: table.parentSchema,
              table: table.tableName,
              before: pair.before,
              after: pair.after,
            });
          } else if (op === "insert") {
            changes.push({ op, database: table.parentSchema, table: table.tableName, after: row as Row });
          } else
            changes.push({ op, database: table.parentSchema, table: table.tableName, before: row as Row });
        }
        return;
      }
      if (name === "heartbeat") {
        // Sent only while the server waits at the end of its binlog: between transactions.
        if (changes.length > 0 || !e.binlogName) return;
        const at = { file: e.binlogName, position: e.position ?? e.nextPosition };
        const gtid = zongji.gtidSet;
        onTransaction({
          position: { ...at, ...(gtid ? { gtid } : {}) },
          timestamp: Date.now(),
          changes: [],
          idle: true,
        });
        return;
      }
      if (name === "xid") {
        onTransaction({ position: position(e), timestamp: e.timestamp, changes, bytes });
        changes = [];
        bytes = 0;
        return;
      }
      if (name === "query") {
        const sql = (e.query ?? "").trim();
        if (/^BEGIN$/i.test(sql)) {
          changes = [];
          bytes = 0;
          return;
        }
        if (/^COMMIT$/i.test(sql)) {
          onTransaction({ position: position(e), timestamp: e.timestamp, changes, bytes });
          changes = [];
          bytes = 0;
          return;
        }
        onTransaction({
          position: position(e),
          timestamp: e.timestamp,
          changes: [],
          ddl: { database: e.schema ?? "", sql },
        });
      }
    });
    await new Promise<void>((resolve, reject) => {
      // Started once ZongJi is ready and its control session is pinned like every source session.
      let pending = 2;
      const started = () => {
        pending -= 1;
        if (pending === 0) resolve();
      };
      const fail = (error: Error & { code?: string; errno?: number }) => {
        const classified = classifyReaderError(error, from);
        if (pending === 0) onError(classified);
        else reject(classified);
      };
      if (this.rowDecoding === "own")
        zongji.on("ready", () =>
          decodeRowsBeforeZongji(zongji, {
            changes: () => changes,
            decoded: (size) => {
              bytes += size;
              this.rowsEventsDecodedHere += 1;
            },
            fail,
            rename: realName,
            current: () => this.zongji === zongji,
          }),
        );
      zongji.on("ready", started);
      zongji.on("error", fail);
      zongji.start({
        filename: from.file,
        position: from.position,
        serverId: this.serverId,
        includeEvents: [
          "tablemap",
          "writerows",
          "updaterows",
          "deleterows",
          "query",
          "xid",
          "rotate",
          "heartbeat",
        ],
        includeSchema: Object.fromEntries([...this.databases, "dts_health_check"].map((db) => [db, true])),
      });
      // Queued on the binlog connection ahead of the dump command (sent once ZongJi is ready): an
      // idle server then sends a heartbeat with its binlog position every HEARTBEAT_PERIOD_S, so
      // the checkpoint follows an idle source.
      zongji.connection?.query(
        `SET @master_heartbeat_period = ${HEARTBEAT_PERIOD_S * 1_000_000_000}`,
        (error) => (error ? fail(error) : undefined),
      );
      // Queued behind ZongJi's first query, ahead of the column lookups that decode row events.
      if (zongji.ctrlConnection)
        zongji.ctrlConnection.query(sessionStatement("source"), (error) => (error ? fail(error) : started()));
      else started();
    });
    this.yieldBetweenChunks(zongji);
  }

  private yieldBetweenChunks(zongji: ZongjiInstance): void {
    const stream = zongji.connection?.stream;
    if (stream) oneChunkPerTurn(stream, () => !this.held && this.zongji === zongji);
  }

  pause(): void {
    this.held = true;
    this.zongji?.connection?.pause();
  }

  resume(): void {
    this.held = false;
    this.zongji?.connection?.resume();
  }

  async stop(): Promise<void> {
    const zongji = this.zongji;
    this.zongji = undefined;
    if (!zongji) return;
    await new Promise<void>((resolve) => {
      zongji.on("stopped", () => resolve());
      zongji.stop();
      setTimeout(resolve, 2000).unref();
    });
  }
}
