import type { RowDataPacket } from "mysql2/promise";
import { handlerCall } from "#core/logger.ts";
import type { BinlogPosition } from "#core/model/position.ts";
import { captureBinlogPosition } from "#core/source/capture-position.ts";
import { openSource, withConnections } from "#core/source/connection.ts";
import { detectServerVersion } from "#core/source/flavour.ts";
import { parseTaskSpec } from "#core/spec/load.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";

/**
 * Lambda `capture-position`: reads the source's binlog position before the first chunk is read
 * and stores it on the task. A run resuming an unfinished full load keeps the position it had.
 */
export function handler(event: { spec: unknown }): Promise<BinlogPosition & { resumed: boolean }> {
  return handlerCall(
    "capture-position",
    event,
    () => capturePosition(event),
    (p) => ({
      position: `${p.file}:${p.position}`,
      resumed: p.resumed,
    }),
  );
}

async function capturePosition(event: { spec: unknown }): Promise<BinlogPosition & { resumed: boolean }> {
  const spec = parseTaskSpec(event.spec, "the execution input");
  const store = defaultTaskStore();
  const task = await store.get(spec.name);
  if (task?.position && task.fullLoad && !task.fullLoad.completedAt) {
    const { capturedAt: _, ...position } = task.position;
    return { ...position, resumed: true };
  }
  const position = await withConnections([() => openSource(spec.source)], async (source) => {
    const [[row]] = await source.query<RowDataPacket[]>("SELECT @@version AS v, @@version_comment AS c");
    return captureBinlogPosition(source, detectServerVersion(String(row?.v), String(row?.c)));
  });
  await store.saveOutcome(spec.name, "position", { ...position, capturedAt: new Date().toISOString() });
  // A new full load: incremental migration starts from this position, not from an older checkpoint.
  await defaultCheckpointStore().reset(spec.name);
  return { ...position, resumed: false };
}
