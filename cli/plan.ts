import { livePlanSource } from "#core/plan/live-source.ts";
import { previewTask } from "#core/plan/preview.ts";
import { renderPlan } from "#core/plan/render.ts";
import { loadTaskSpec } from "#core/spec/load.ts";
import { EXIT } from "./errors.ts";

/**
 * `dts plan <spec.json> [--json]`: what the task would do, read from the source only: no task
 * record, no chunk ledger, nothing on the destination.
 */
export async function planCommand(file: string, options: { json?: boolean }): Promise<number> {
  const spec = await loadTaskSpec(file);
  const { source, close } = await livePlanSource(spec);
  try {
    const plan = await previewTask(spec, source);
    process.stdout.write(options.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderPlan(plan)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}
