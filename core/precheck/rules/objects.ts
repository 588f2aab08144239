import { catalogTable, rowKey } from "../../model/catalog.ts";
import { qualified, renamesTablesOrColumns } from "../../spec/mapping.ts";
import { FilterError, parseFilter } from "../../sql/filter.ts";
import { fail, listNames, pass, type Rule, skipped, warn } from "./context.ts";

export const MAX_RENAMED_TABLES = 1000;

export const sourceObjects: Rule = {
  id: "source.objects",
  title: "Selected databases, tables and columns exist",
  run(ctx) {
    if (!ctx.facts.source.ok) return skipped("source unreachable");
    const catalog = ctx.facts.source.catalog;
    const missing: string[] = [];
    for (const object of ctx.spec.objects) {
      if (!catalog.has(object.database)) missing.push(`database ${object.database}`);
    }
    for (const table of ctx.selected) {
      const found = catalogTable(catalog, table.source.database, table.source.table);
      if (!catalog.has(table.source.database)) continue;
      if (!found) {
        missing.push(`table ${qualified(table.source)}`);
        continue;
      }
      const names = new Set(found.columns.map((c) => c.name));
      for (const column of table.columns) {
        if (!names.has(column.source)) missing.push(`column ${qualified(table.source)}.${column.source}`);
      }
    }
    if (missing.length > 0) {
      return fail(
        `not found on the source: ${listNames(missing)} (names are case-sensitive)`,
        "fix the names in objects, or create the objects on the source",
      );
    }
    const empty = ctx.spec.objects.filter((o) => !o.tables && (catalog.get(o.database)?.size ?? 0) === 0);
    if (empty.length > 0) {
      return warn(
        `database(s) ${listNames(empty.map((o) => o.database))} have no tables`,
        "check the selection; an empty database migrates nothing",
      );
    }
    return pass(`${ctx.selected.length} table(s) selected`);
  },
};

export const sourceTableKeys: Rule = {
  id: "source.table_keys",
  title: "Every table has a primary key or a NOT NULL unique key",
  run(ctx) {
    if (!ctx.facts.source.ok) return skipped("source unreachable");
    const catalog = ctx.facts.source.catalog;
    const noKey: string[] = [];
    const keyNotSelected: string[] = [];
    for (const table of ctx.selected) {
      const found = catalogTable(catalog, table.source.database, table.source.table);
      if (!found) continue;
      const key = rowKey(found);
      if (!key) {
        noKey.push(qualified(table.source));
        continue;
      }
      const selected = new Set(table.columns.map((c) => c.source));
      const absent = key.columns.filter((c) => !selected.has(c));
      if (absent.length > 0) keyNotSelected.push(`${qualified(table.source)} (${absent.join(", ")})`);
    }
    if (noKey.length > 0) {
      return fail(
        `no PRIMARY KEY or NOT NULL UNIQUE key: ${listNames(noKey)}; rows could be duplicated in the destination`,
        "add a primary key to these tables (ALTER TABLE ... ADD PRIMARY KEY (...)) or leave them out of objects",
      );
    }
    if (keyNotSelected.length > 0) {
      return fail(
        `key columns not among the selected columns: ${listNames(keyNotSelected)}`,
        "add the key columns to the table's columns list",
      );
    }
    return pass(`all ${ctx.selected.length} table(s) have a usable key`);
  },
};

export const nameMapping: Rule = {
  id: "spec.name_mapping",
  title: "Name mapping is valid",
  run(ctx) {
    const problems: string[] = [];
    const owners = new Map<string, string>();
    for (const table of ctx.selected) {
      const key = qualified(table.destination).toLowerCase();
      const previous = owners.get(key);
      if (previous)
        problems.push(
          `${previous} and ${qualified(table.source)} both map to ${qualified(table.destination)}`,
        );
      else owners.set(key, qualified(table.source));
      const columns = new Map<string, string>();
      for (const column of table.columns) {
        const other = columns.get(column.destination.toLowerCase());
        if (other) {
          problems.push(
            `${qualified(table.source)}: ${other} and ${column.source} both map to ${column.destination}`,
          );
        } else columns.set(column.destination.toLowerCase(), column.source);
      }
    }
    if (problems.length > 0) {
      return fail(
        listNames(problems, 3),
        "give each destination table and column its own name in objects[].as",
      );
    }
    const explicitTables = ctx.spec.objects.reduce((n, o) => n + (o.tables?.length ?? 0), 0);
    if (renamesTablesOrColumns(ctx.spec) && explicitTables > MAX_RENAMED_TABLES) {
      return fail(
        `${explicitTables} tables are selected one by one with tables or columns renamed; the limit is ${MAX_RENAMED_TABLES}`,
        "split the task into several tasks, or select whole databases",
      );
    }
    if (!ctx.facts.source.ok && ctx.selected.length === 0) return skipped("source unreachable");
    return pass("every destination name is distinct");
  },
};

export const filters: Rule = {
  id: "spec.filters",
  title: "WHERE filters parse and use the table's columns",
  run(ctx) {
    const withFilter = ctx.selected.filter((t) => t.where !== undefined);
    if (withFilter.length === 0) return undefined;
    if (!ctx.facts.source.ok) return skipped("source unreachable");
    const problems: string[] = [];
    const fixes = new Set<string>();
    for (const table of withFilter) {
      const found = catalogTable(ctx.facts.source.catalog, table.source.database, table.source.table);
      if (!found) continue;
      try {
        // Incremental migration evaluates filters on binlog rows; a full load leaves them to the server.
        parseFilter(table.where ?? "", found.columns, {
          rows: ctx.spec.migrationTypes.includes("incremental"),
        });
      } catch (error) {
        if (!(error instanceof FilterError)) throw error;
        problems.push(`${qualified(table.source)}: ${error.summary}`);
        // A filter dts cannot evaluate exactly (a column's collation) says what to do instead.
        fixes.add(
          error.fix ??
            "write the filter with the table's columns, literals, comparisons, AND/OR/NOT, IN, BETWEEN, LIKE and IS NULL only",
        );
      }
    }
    if (problems.length > 0) return fail(problems.join("; "), [...fixes].join("; "));
    return pass(`${withFilter.length} filter(s) valid`);
  },
};

export const tableConflicts: Rule = {
  id: "destination.table_conflicts",
  title: "No destination table with the same name",
  run(ctx) {
    if (ctx.spec.destination.type !== "mysql") return undefined;
    if (!ctx.spec.migrationTypes.includes("schema") && !ctx.spec.migrationTypes.includes("full"))
      return undefined;
    if (!ctx.facts.destination.ok || ctx.facts.destination.kind !== "mysql")
      return skipped("destination unreachable");
    const owned = new Set((ctx.facts.ownedTables ?? []).map((t) => t.toLowerCase()));
    const existing = new Set(
      ctx.facts.destination.tables.map((t) => t.toLowerCase()).filter((t) => !owned.has(t)),
    );
    const conflicts = ctx.selected
      .filter((t) => existing.has(qualified(t.destination).toLowerCase()))
      .map((t) => qualified(t.destination));
    if (conflicts.length === 0) return pass("none of the destination tables exists yet");
    if (ctx.spec.conflictMode === "ignore-and-proceed") {
      return warn(
        `already in the destination: ${listNames(conflicts)}; rows whose key exists there will be skipped`,
        "make sure those tables have the same columns as the source, or rename them with objects[].tables[].as",
      );
    }
    return fail(
      `already in the destination: ${listNames(conflicts)}`,
      'rename them with objects[].tables[].as, drop them from the destination, or set conflictMode to "ignore-and-proceed"',
    );
  },
};

export const kafkaTopic: Rule = {
  id: "kafka.topic",
  title: "Kafka topics exist",
  run(ctx) {
    const destination = ctx.spec.destination;
    if (destination.type !== "kafka") return undefined;
    if (!ctx.facts.destination.ok || ctx.facts.destination.kind !== "kafka")
      return skipped("Kafka unreachable");
    const topics = ctx.facts.destination.topics;
    const wanted = [...new Set([destination.topic, destination.ddlTopic ?? destination.topic])];
    const absent = wanted.filter((t) => topics[t] === undefined);
    if (absent.length > 0) {
      return fail(
        `topic(s) ${absent.join(", ")} do not exist`,
        "create the topic(s) with the partition count you want before starting the task",
      );
    }
    return pass(wanted.map((t) => `${t}: ${topics[t]} partition(s)`).join("; "));
  },
};

export const kafkaTransactions: Rule = {
  id: "kafka.transactions",
  title: "Kafka transactions usable (delivery exactly-once)",
  run(ctx) {
    const destination = ctx.spec.destination;
    if (destination.type !== "kafka" || destination.delivery !== "exactly-once") return undefined;
    const facts = ctx.facts.destination;
    if (!facts.ok || facts.kind !== "kafka" || !facts.transactions)
      return skipped("Kafka or the topic unreachable");
    if (!facts.transactions.ok)
      return fail(
        `a transactional producer could not start: ${facts.transactions.error}`,
        `allow the account WRITE and DESCRIBE on transactional ids dts-${ctx.spec.name}* and READ on group dts-${ctx.spec.name}-checkpoint, ` +
          "and check that the brokers can host transactions (transaction.state.log.replication.factor no larger than the brokers); or use delivery at-least-once",
      );
    return pass(`transactional id dts-${ctx.spec.name}, checkpoint group dts-${ctx.spec.name}-checkpoint`);
  },
};
