/** A point in the source's binary log: file and position, and the GTID set where enabled. */
export interface BinlogPosition {
  file: string;
  position: number;
  /** MySQL: the executed GTID set (uuid:1-42,...); MariaDB: @@gtid_binlog_pos (domain-server-seq,...). */
  gtid?: string;
  /** Which GTID dialect `gtid` is in. */
  gtidFlavour?: "mysql" | "mariadb";
}

/** Orders binlog positions: by the file's sequence number, then the offset. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  const sequence = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? 0);
  const byFile = sequence(a.file) - sequence(b.file);
  return byFile !== 0 ? byFile : a.position - b.position;
}
