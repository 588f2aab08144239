import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/*
 * What the DynamoDB benchmarks count (bench:ledger, bench:scale): a middleware on the document
 * client counts every request and asks DynamoDB Local for the capacity each consumed
 * (ReturnConsumedCapacity), split into reads and writes.
 */

/** Read commands by the names the middleware sees: the document client's, and the low-level ones they send. */
const READS = new Set([
  "GetCommand",
  "QueryCommand",
  "ScanCommand",
  "BatchGetCommand",
  "GetItemCommand",
  "BatchGetItemCommand",
]);

/** Requests and consumed capacity since the last reset; `reported`: DynamoDB answered with capacity at all. */
export interface Tally {
  requests: number;
  reads: number;
  rcu: number;
  wcu: number;
  reported: boolean;
}

export const tally: Tally = { requests: 0, reads: 0, rcu: 0, wcu: 0, reported: false };

/** Starts counting from zero. */
export function resetTally(): void {
  Object.assign(tally, { requests: 0, reads: 0, rcu: 0, wcu: 0 });
}

/** The counts so far (a copy). */
export function snapshot(): Tally {
  return { ...tally };
}

type Consumed = { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined;

/** Counts every request the client sends and the capacity each consumed. */
export function countCapacity(client: DynamoDBDocumentClient): void {
  client.middlewareStack.add(
    (next, context) => async (request) => {
      const input = request.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= "TOTAL";
      const result = await next(request);
      const consumed = (result.output as { ConsumedCapacity?: Consumed }).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((n, c) => n + (c.CapacityUnits ?? 0), 0);
      if (consumed !== undefined) tally.reported = true;
      tally.requests++;
      if (READS.has(context.commandName ?? "")) {
        tally.reads++;
        tally.rcu += units;
      } else tally.wcu += units;
      return result;
    },
    { step: "initialize", name: "benchCapacityCount" },
  );
}

/** A Markdown table, columns right-aligned. */
export function markdownTable(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(" | ")} |`;
  return [format(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(format)].join(
    "\n",
  );
}
