import type { Catalog } from "../model/catalog.ts";
import type { ServerVersion } from "../source/flavour.ts";

export type { CheckResult, CheckStatus, PrecheckReport } from "../model/precheck-report.ts";

/** Something precheck could not reach: a connection error turned into words. */
export interface Unreachable {
  ok: false;
  error: string;
}

export interface SourceFacts {
  ok: true;
  server: ServerVersion;
  /** Lower-case variable name -> value (log_bin, binlog_format, binlog_row_image, ...). */
  variables: Record<string, string>;
  grants: string[];
  catalog: Catalog;
  /**
   * Seconds the source keeps binlogs, RDS's "binlog retention hours" included (Infinity: never
   * purged); undefined when not read, and the variables above decide.
   */
  binlogRetentionSeconds?: number | undefined;
}

export interface MysqlDestinationFacts {
  ok: true;
  kind: "mysql";
  server: ServerVersion;
  grants: string[];
  /** Existing database names. */
  databases: string[];
  /** Existing tables as database.table, for the destination databases the task writes. */
  tables: string[];
  /** @@GLOBAL.local_infile: whether the full load can use LOAD DATA LOCAL (undefined: not readable). */
  localInfile?: boolean | undefined;
}

export interface KafkaDestinationFacts {
  ok: true;
  kind: "kafka";
  /** topic -> partition count, for the topics the task writes (absent when the topic does not exist). */
  topics: Record<string, number>;
  /**
   * delivery "exactly-once": whether a transactional producer could start and read the checkpoint
   * group (probed with the id `dts-<task>-precheck`, so a running tailer is never fenced).
   */
  transactions?: { ok: true } | { ok: false; error: string };
}

export type DestinationFacts = MysqlDestinationFacts | KafkaDestinationFacts;

export interface PrecheckFacts {
  source: SourceFacts | Unreachable;
  destination: DestinationFacts | Unreachable;
  /** Destination tables an earlier run of this task created: not conflicts when it resumes. */
  ownedTables?: string[];
}
