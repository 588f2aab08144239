import { pass, type Rule, skipped, warn } from "./context.ts";

/** Whether the full load can write with LOAD DATA LOCAL INFILE (see core/fullload/load-data.ts). */
export const destinationBulkLoad: Rule = {
  id: "destination.local_infile",
  title: "Destination accepts LOAD DATA LOCAL (fast full load)",
  run(ctx) {
    if (ctx.spec.destination.type !== "mysql" || !ctx.spec.migrationTypes.includes("full")) return undefined;
    if (ctx.spec.conflictMode === "ignore-and-proceed") {
      return pass("ignore-and-proceed keeps existing rows, so the full load writes multi-row INSERTs");
    }
    const destination = ctx.facts.destination;
    if (!destination.ok || destination.kind !== "mysql") return skipped("destination unreachable");
    if (destination.localInfile)
      return pass("local_infile is ON: chunks are written with LOAD DATA LOCAL INFILE");
    return warn(
      `local_infile is ${destination.localInfile === false ? "OFF" : "not readable"} on the destination: the full load writes multi-row INSERTs instead of LOAD DATA, which costs the destination about a third more CPU per row`,
      "for a faster full load, SET GLOBAL local_infile = ON on the destination (RDS and Aurora: local_infile = 1 in the parameter group); the task runs either way",
    );
  },
};
