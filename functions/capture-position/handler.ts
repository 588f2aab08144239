import type { RowDataPacket } from "mysql2/promise";
import { taskStep } from "#core/api/task-step.ts";
import type { BinlogPosition } from "#core/model/position.ts";
import { captureBinlogPosition } from "#core/source/capture-position.ts";
import { openSource, withConnections } from "#core/source/connection.ts";
import { detectServerVersion } from "#core/source/flavour.ts";
import { positionRule } from "#core/task/lifecycle.ts";

/**
 * Lambda `capture-position`: reads the source's binlog position before the first chunk is read
 * and stores it on the task. A task that has one keeps it (core/task/lifecycle.ts): changes
 * committed since are applied once the tailer runs, whatever stopped the task in between.
 */
export function handler(event: { spec: unknown }): Promise<BinlogPosition & { resumed: boolean }> {
  return taskStep(
    "capture-position",
    event,
    async ({ spec, store, checkpoints }) => {
      const task = await store.get(spec.name);
      if (task?.position && positionRule(task) === "keep") {
        const { capturedAt: _, ...position } = task.position;
        return { ...position, resumed: true };
      }
      const position = await withConnections([() => openSource(spec.source)], async (source) => {
        const [[row]] = await source.query<RowDataPacket[]>("SELECT @@version AS v, @@version_comment AS c");
        return captureBinlogPosition(source, detectServerVersion(String(row?.v), String(row?.c)));
      });
      await store.saveOutcome(spec.name, "position", { ...position, capturedAt: new Date().toISOString() });
      // A task's first position: incremental migration starts here, not from an older checkpoint.
      await checkpoints.reset(spec.name);
      return { ...position, resumed: false };
    },
    (p) => ({ position: `${p.file}:${p.position}`, resumed: p.resumed }),
  );
}
