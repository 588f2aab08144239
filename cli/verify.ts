import { FatalError } from "#core/errors.ts";
import { openDestination, openSource, withConnections } from "#core/source/connection.ts";
import { loadTaskSpec } from "#core/spec/load.ts";
import { defaultChunkLedger } from "#core/store/index.ts";
import { verifyTask } from "#core/verify/run.ts";
import { renderVerifyReport } from "#core/verify/verify.ts";
import { EXIT } from "./errors.ts";

/** `dts verify <spec.json> [--json]`: exit 0 when source and destination are equal, 1 when not. */
export async function verifyCommand(file: string, options: { json?: boolean }): Promise<number> {
  const spec = await loadTaskSpec(file);
  const destination = spec.destination;
  if (destination.type !== "mysql")
    throw new FatalError("dts verify compares MySQL destinations; this task writes Kafka");
  const chunks = await defaultChunkLedger()
    .list(spec.name)
    .catch(() => []);
  const report = await withConnections(
    [() => openSource(spec.source), () => openDestination(destination)],
    (s, d) => verifyTask(spec, s, d, chunks),
  );
  process.stdout.write(
    options.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderVerifyReport(report)}\n`,
  );
  return report.equal ? EXIT.ok : EXIT.failed;
}
