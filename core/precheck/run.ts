import { loadEtlEngine } from "../pipeline/etl.ts";
import { capitalize, selectedTables } from "../spec/mapping.ts";
import type { TaskSpec } from "../spec/schema.ts";
import {
  sourceBinlogFormat,
  sourceBinlogRetention,
  sourceBinlogRowImage,
  sourceBinlogRowMetadata,
  sourceLogBin,
  sourceVersion,
} from "./rules/binlog.ts";
import { destinationBulkLoad } from "./rules/bulk-load.ts";
import { destinationConnectivity, sourceConnectivity } from "./rules/connectivity.ts";
import type { Rule } from "./rules/context.ts";
import { etlScript } from "./rules/etl.ts";
import {
  filters,
  kafkaTopic,
  kafkaTransactions,
  nameMapping,
  sourceObjects,
  sourceTableKeys,
  tableConflicts,
} from "./rules/objects.ts";
import {
  destinationDatabase,
  destinationPrivileges,
  sourceHeartbeat,
  sourcePrivileges,
} from "./rules/privileges.ts";
import { sourceBinlogRetentionFullLoad } from "./rules/retention.ts";
import type {
  CheckResult,
  CheckStatus,
  DestinationFacts,
  PrecheckFacts,
  PrecheckReport,
  SourceFacts,
  Unreachable,
} from "./types.ts";

/** Every precheck item, in the order the report lists them. */
export const RULES: readonly Rule[] = [
  sourceConnectivity,
  destinationConnectivity,
  sourceVersion,
  sourceLogBin,
  sourceBinlogFormat,
  sourceBinlogRowImage,
  sourceBinlogRetention,
  sourceBinlogRetentionFullLoad,
  sourceBinlogRowMetadata,
  sourcePrivileges,
  sourceHeartbeat,
  sourceObjects,
  sourceTableKeys,
  nameMapping,
  filters,
  etlScript,
  destinationPrivileges,
  destinationDatabase,
  destinationBulkLoad,
  tableConflicts,
  kafkaTopic,
  kafkaTransactions,
];

/** The ports precheck reads facts through; adapters implement them against real servers. */
export interface PrecheckPorts {
  inspectSource(spec: TaskSpec): Promise<SourceFacts | Unreachable>;
  /** `databases`: the destination databases the task writes (after mapping). */
  inspectDestination(spec: TaskSpec, databases: string[]): Promise<DestinationFacts | Unreachable>;
}

/** Pure: applies every rule to gathered facts. */
export function evaluatePrecheck(spec: TaskSpec, facts: PrecheckFacts): CheckResult[] {
  const selected = facts.source.ok ? selectedTables(spec, facts.source.catalog) : [];
  const results: CheckResult[] = [];
  for (const rule of RULES) {
    const outcome = rule.run({ spec, facts, selected });
    if (outcome) results.push({ id: rule.id, title: rule.title, ...outcome });
  }
  return results;
}

export function summarize(
  spec: TaskSpec,
  facts: PrecheckFacts,
  checks: CheckResult[],
  startedAt: Date,
): PrecheckReport {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skipped: 0 };
  for (const check of checks) counts[check.status]++;
  const reportFacts: PrecheckReport["facts"] = {};
  if (facts.source.ok) {
    reportFacts.sourceFlavour = facts.source.server.flavour;
    reportFacts.sourceVersion = facts.source.server.text;
  }
  if (facts.destination.ok && facts.destination.kind === "kafka" && spec.destination.type === "kafka") {
    const partitions = facts.destination.topics[spec.destination.topic];
    if (partitions !== undefined) reportFacts.kafkaPartitions = partitions;
  }
  return {
    task: spec.name,
    passed: counts.fail === 0 && counts.skipped === 0,
    counts,
    checks,
    facts: reportFacts,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
  };
}

export async function runPrecheck(
  spec: TaskSpec,
  ports: PrecheckPorts,
  options: { ownedTables?: string[] } = {},
): Promise<PrecheckReport> {
  const startedAt = new Date();
  const databases = [
    ...new Set(spec.objects.map((o) => o.as ?? capitalize(o.database, spec.capitalization))),
  ];
  const [source, destination] = await Promise.all([
    ports.inspectSource(spec),
    ports.inspectDestination(spec, databases),
    loadEtlEngine(spec),
  ]);
  const facts: PrecheckFacts = { source, destination, ownedTables: options.ownedTables };
  return summarize(spec, facts, evaluatePrecheck(spec, facts), startedAt);
}
