import type { RowDataPacket } from "mysql2/promise";
import { DtsError } from "#core/errors.ts";
import { comparePositions } from "#core/model/position.ts";
import { captureBinlogPosition } from "#core/source/capture-position.ts";
import { openSource, withConnections } from "#core/source/connection.ts";
import { detectServerVersion } from "#core/source/flavour.ts";
import type { TaskSpec } from "#core/spec/schema.ts";
import { defaultCheckpointStore, defaultTaskStore } from "#core/store/index.ts";

/**
 * Waits until every change committed on the source before the call is applied (the checkpoint is
 * at or past the source's position now) and the latency is under a second.
 */
export async function waitUntilCaughtUp(spec: TaskSpec, log: (line: string) => void): Promise<void> {
  const target = await withConnections([() => openSource(spec.source)], async (source) => {
    const [[row]] = await source.query<RowDataPacket[]>("SELECT @@version AS v, @@version_comment AS c");
    return captureBinlogPosition(source, detectServerVersion(String(row?.v), String(row?.c)));
  });
  log(`waiting until the destination has every change up to ${target.file}:${target.position}`);
  const checkpoints = defaultCheckpointStore();
  const store = defaultTaskStore();
  let lastLine = 0;
  for (;;) {
    const [holder, task] = await Promise.all([checkpoints.read(spec.name), store.get(spec.name)]);
    if (task?.phase === "failed") {
      throw new DtsError(`the task failed: ${task.lastError?.cause ?? "see dts status"}`);
    }
    const position = holder?.checkpoint?.position;
    const latency = task?.incremental?.latencyMs ?? Number.POSITIVE_INFINITY;
    if (position && comparePositions(position, target) >= 0 && latency < 1000) {
      log(`caught up: checkpoint ${position.file}:${position.position}, latency ${latency} ms`);
      return;
    }
    if (Date.now() - lastLine > 5000) {
      lastLine = Date.now();
      log(
        `  applied up to ${position ? `${position.file}:${position.position}` : "(nothing yet)"}, latency ${Number.isFinite(latency) ? `${latency} ms` : "unknown"}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
