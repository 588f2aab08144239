import ZongJi from "@vlasky/zongji";
import { resolvePassword } from "../adapters/secrets.ts";
import { FatalError, RetriableError } from "../errors.ts";
import type { BinlogPosition } from "../source/position.ts";
import type { MysqlEndpoint } from "../spec/schema.ts";
import type { Row, RowChange, SourceTransaction } from "./events.ts";

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

interface ZongjiEvent {
  getEventName(): string;
  timestamp: number;
  nextPosition: number;
  query?: string;
  schema?: string;
  tableId?: number;
  tableMap?: Record<number, { parentSchema: string; tableName: string }>;
  rows?: (Row | { before: Row; after: Row })[];
}

interface ZongjiInstance {
  on(event: "binlog", listener: (e: ZongjiEvent) => void): void;
  on(event: "error", listener: (e: Error & { code?: string; errno?: number }) => void): void;
  on(event: "ready" | "stopped", listener: () => void): void;
  start(options: Record<string, unknown>): void;
  stop(): void;
  options: { filename?: string; position?: number };
  gtidSet?: string;
  connection: { pause(): void; resume(): void } | null;
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
  if (error.errno === 1236 || /could not find first log file|purged|1236/i.test(text)) {
    return new FatalError(
      `the source no longer has binlog ${from.file} (position ${from.position}): it was purged before the tailer read it. ` +
        "Incremental migration cannot resume from there: run the full load again (dts run with a new task or after resetting the destination), and keep binlogs for at least 7 days",
      { cause: error },
    );
  }
  return new RetriableError(`binlog connection to the source failed: ${text}`, { cause: error });
}

/** Reads the source binlog with @vlasky/zongji and assembles committed transactions. */
export class ZongjiBinlogReader implements BinlogReader {
  private zongji: ZongjiInstance | undefined;

  constructor(
    private readonly endpoint: MysqlEndpoint,
    private readonly databases: string[],
    private readonly serverId: number,
  ) {}

  async start(
    from: BinlogPosition,
    onTransaction: (tx: SourceTransaction) => void,
    onError: (e: Error) => void,
  ): Promise<void> {
    const zongji = new (ZongJi as unknown as new (options: object) => ZongjiInstance)({
      host: this.endpoint.host,
      port: this.endpoint.port,
      user: this.endpoint.user,
      password: await resolvePassword(this.endpoint),
      ssl: this.endpoint.tls?.enabled
        ? { ca: this.endpoint.tls.ca, rejectUnauthorized: this.endpoint.tls.rejectUnauthorized }
        : undefined,
      dateStrings: true,
      timezone: "Z",
      jsonStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
    this.zongji = zongji;
    let changes: RowChange[] = [];
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
      const op = OPS[name];
      if (op) {
        const table = e.tableMap?.[e.tableId ?? -1];
        if (!table) return;
        for (const row of e.rows ?? []) {
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
      if (name === "xid") {
        onTransaction({ position: position(e), timestamp: e.timestamp, changes });
        changes = [];
        return;
      }
      if (name === "query") {
        const sql = (e.query ?? "").trim();
        if (/^BEGIN$/i.test(sql)) {
          changes = [];
          return;
        }
        if (/^COMMIT$/i.test(sql)) {
          onTransaction({ position: position(e), timestamp: e.timestamp, changes });
          changes = [];
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
      let ready = false;
      zongji.on("ready", () => {
        ready = true;
        resolve();
      });
      zongji.on("error", (error) => {
        const classified = classifyReaderError(error, from);
        if (ready) onError(classified);
        else reject(classified);
      });
      zongji.start({
        filename: from.file,
        position: from.position,
        serverId: this.serverId,
        includeEvents: ["tablemap", "writerows", "updaterows", "deleterows", "query", "xid", "rotate"],
        includeSchema: Object.fromEntries([...this.databases, "dts_health_check"].map((db) => [db, true])),
      });
    });
  }

  pause(): void {
    this.zongji?.connection?.pause();
  }

  resume(): void {
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
