import type { BinlogPosition } from "./position.ts";

/** Orders binlog positions: by the file's sequence number, then the offset. */
export function comparePositions(a: BinlogPosition, b: BinlogPosition): number {
  const sequence = (file: string) => Number(/\.(\d+)$/.exec(file)?.[1] ?? 0);
  const byFile = sequence(a.file) - sequence(b.file);
  return byFile !== 0 ? byFile : a.position - b.position;
}
