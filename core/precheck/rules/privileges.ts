import { type Grant, holds, parseGrants } from "../grants.ts";
import { fail, incremental, listNames, pass, type Rule, skipped, warn } from "./context.ts";

const ROLE_NOTE = " (privileges granted through roles are not expanded: grant them to the account directly)";

export const sourcePrivileges: Rule = {
  id: "source.privileges",
  title: "Source account privileges",
  run(ctx) {
    if (!ctx.facts.source.ok) return skipped("source unreachable");
    const grants = parseGrants(ctx.facts.source.grants);
    const missing: string[] = [];
    const noSelect = ctx.selected
      .filter((t) => !holds(grants, "SELECT", t.source.database, t.source.table))
      .map((t) => `${t.source.database}.${t.source.table}`);
    const wholeDatabases = ctx.spec.objects.filter((o) => !o.tables).map((o) => o.database);
    for (const db of wholeDatabases) {
      if (!holds(grants, "SELECT", db) && !noSelect.some((n) => n.startsWith(`${db}.`)))
        noSelect.push(`${db}.*`);
    }
    if (noSelect.length > 0) missing.push(`SELECT on ${listNames(noSelect)}`);
    if (incremental(ctx)) {
      for (const privilege of ["REPLICATION SLAVE", "REPLICATION CLIENT"]) {
        if (!holds(grants, privilege)) missing.push(`${privilege} on *.*`);
      }
    }
    if (missing.length === 0) return pass("the account can read the selected objects and the binary log");
    const user = ctx.spec.source.user;
    return fail(
      `the source account ${user} lacks ${missing.join("; ")}${ROLE_NOTE}`,
      `GRANT ${[...new Set(missing.map((m) => m.split(" on ")[0]))].join(", ")} ON *.* TO '${user}'@'%' (or grant SELECT per database)`,
    );
  },
};

export const sourceHeartbeat: Rule = {
  id: "source.heartbeat",
  title: "Heartbeat can be written on the source",
  run(ctx) {
    if (!incremental(ctx) || !ctx.spec.heartbeat) return undefined;
    if (!ctx.facts.source.ok) return skipped("source unreachable");
    const grants = parseGrants(ctx.facts.source.grants);
    const missing = ["CREATE", "INSERT", "UPDATE"].filter(
      (p) => !holds(grants, p, "dts_health_check", "ha_health_check"),
    );
    if (missing.length === 0) return pass("the account can write dts_health_check.ha_health_check");
    return warn(
      `the source account cannot write dts_health_check.ha_health_check (lacks ${missing.join(", ")}): on an idle source the position and the latency will not move`,
      `GRANT CREATE, INSERT, UPDATE ON dts_health_check.* TO '${ctx.spec.source.user}'@'%', or set heartbeat to false`,
    );
  },
};

function destinationNeeds(types: readonly string[]): string[] {
  const needs: string[] = [];
  if (types.includes("schema")) needs.push("CREATE", "ALTER", "INDEX", "REFERENCES");
  if (types.includes("full")) needs.push("SELECT", "INSERT", "UPDATE", "DELETE");
  if (types.includes("incremental"))
    needs.push("SELECT", "INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "INDEX");
  return [...new Set(needs)];
}

function destinationDatabases(ctx: Parameters<Rule["run"]>[0]): string[] {
  return [...new Set(ctx.selected.map((t) => t.destination.database))].sort();
}

export const destinationPrivileges: Rule = {
  id: "destination.privileges",
  title: "Destination account privileges",
  run(ctx) {
    if (ctx.spec.destination.type !== "mysql") return undefined;
    if (!ctx.facts.destination.ok || ctx.facts.destination.kind !== "mysql")
      return skipped("destination unreachable");
    const grants = parseGrants(ctx.facts.destination.grants);
    const needs = destinationNeeds(ctx.spec.migrationTypes);
    const missing = destinationDatabases(ctx).flatMap((db) =>
      needs.filter((p) => !holds(grants, p, db)).map((p) => ({ db, p })),
    );
    if (missing.length === 0)
      return pass(`the account holds ${needs.join(", ")} on the destination databases`);
    const privileges = [...new Set(missing.map((m) => m.p))];
    const dbs = [...new Set(missing.map((m) => m.db))];
    const user = ctx.spec.destination.user;
    return fail(
      `the destination account ${user} lacks ${privileges.join(", ")} on ${listNames(dbs)}${ROLE_NOTE}`,
      `GRANT ${privileges.join(", ")} ON \`${dbs[0]}\`.* TO '${user}'@'%' for each destination database`,
    );
  },
};

function canCreate(grants: Grant[], db: string) {
  return holds(grants, "CREATE", db);
}

export const destinationDatabase: Rule = {
  id: "destination.database",
  title: "Destination databases exist or can be created",
  run(ctx) {
    if (ctx.spec.destination.type !== "mysql") return undefined;
    if (!ctx.facts.destination.ok || ctx.facts.destination.kind !== "mysql")
      return skipped("destination unreachable");
    const existing = new Set(ctx.facts.destination.databases.map((d) => d.toLowerCase()));
    const grants = parseGrants(ctx.facts.destination.grants);
    const wanted = destinationDatabases(ctx);
    const toCreate = wanted.filter((db) => !existing.has(db.toLowerCase()));
    const cannot = toCreate.filter((db) => !canCreate(grants, db));
    if (cannot.length > 0) {
      return fail(
        `database(s) ${listNames(cannot)} do not exist and the account cannot create them`,
        `create them first (CREATE DATABASE \`${cannot[0]}\`) or GRANT CREATE ON *.* to the destination account`,
      );
    }
    if (toCreate.length > 0 && !ctx.spec.migrationTypes.includes("schema")) {
      return warn(
        `database(s) ${listNames(toCreate)} do not exist and schema migration is not selected`,
        'add "schema" to migrationTypes, or create the databases and tables before the full load',
      );
    }
    if (toCreate.length === 0) return pass(`all ${wanted.length} destination database(s) exist`);
    return pass(`${listNames(toCreate)} will be created`);
  },
};
