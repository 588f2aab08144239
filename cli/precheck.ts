import { livePrecheckPorts } from "#core/precheck/live-ports.ts";
import { renderPrecheckReport } from "#core/precheck/render.ts";
import { runPrecheck } from "#core/precheck/run.ts";
import { loadTaskSpec } from "#core/spec/load.ts";
import { EXIT } from "./errors.ts";

/** `dts precheck <spec.json> [--json]`: exit 0 when nothing failed, 1 when a check failed. */
export async function precheckCommand(file: string, options: { json?: boolean }): Promise<number> {
  const spec = await loadTaskSpec(file);
  const report = await runPrecheck(spec, livePrecheckPorts);
  process.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderPrecheckReport(report)}\n`,
  );
  return report.passed ? EXIT.ok : EXIT.failed;
}
