import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  CHUNK_IDS,
  type Chunk,
  type ChunkError,
  type LedgerSummary,
  PLAN_RECORD,
  type PlanCursor,
  summarize,
} from "./chunk.ts";
import {
  type ChunkClaim,
  ChunkLostError,
  CLAIM_INDEX,
  CLAIM_ROUNDS,
  COPYING_END,
  COPYING_KEYS,
  claimKey,
  claimOrder,
  claimPage,
  DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS,
  doneBy,
  staleBefore,
  staleKey,
} from "./chunk-claim.ts";
import type { ChunkLedger, ChunkLedgerOptions } from "./chunk-ledger.ts";
import {
  dueRetries,
  failedChunks,
  ifHeld,
  type LedgerTable,
  markFailed,
  releaseWithError,
  reopenFailed,
} from "./dynamo-chunk-failures.ts";
import {
  appendPlanned,
  deleteTablePlans,
  putTablePlans,
  readPlanCursor,
  readTableProgress,
  tableDone,
} from "./dynamo-plan.ts";
import {
  batchWrite,
  cancellationReasons,
  HELD,
  held,
  isConditionFailure,
  queryAll,
  withoutClaimKey,
} from "./dynamo-requests.ts";
import { indexLegacyLedger } from "./legacy-ledger.ts";

/** The plan record (id PLAN_RECORD): one more item of the task's ledger, with the counts summary() reads. */
interface PlanRecord {
  chunks: number;
  estimatedRows: number;
  /** Chunks done and the rows they copied: added to by each markDone, in one transaction with it. */
  done: number;
  rowsDone: number;
  /** Where planning got to; absent on a plan written whole by replace(). */
  cursor?: PlanCursor;
}

/**
 * The chunk ledger in DynamoDB: partition key task, sort key id (chunks t…, and the plan record);
 * the sparse claim index (task, claimKey) holds the chunks not done. Claims are conditional writes;
 * marking done adds to the plan record's counts in the same transaction.
 */
export class DynamoChunkLedger implements ChunkLedger {
  readonly heartbeatTimeoutMs: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
    options: ChunkLedgerOptions = {},
  ) {
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? DEFAULT_CHUNK_HEARTBEAT_TIMEOUT_MS;
  }

  async list(task: string, options: { notDone?: boolean } = {}): Promise<Chunk[]> {
    const items = await this.query({
      KeyConditionExpression: "task = :task AND begins_with(id, :chunks)",
      ExpressionAttributeValues: {
        ":task": task,
        ":chunks": CHUNK_IDS,
        ...(options.notDone ? { ":done": "done" } : {}),
      },
      ...(options.notDone
        ? { FilterExpression: "#state <> :done", ExpressionAttributeNames: { "#state": "state" } }
        : {}),
      ConsistentRead: true,
    });
    return items.map(withoutClaimKey);
  }

  async summary(task: string): Promise<LedgerSummary> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.table, Key: { task, id: PLAN_RECORD }, ConsistentRead: true }),
    );
    // No plan record: an empty ledger, or one planned before there was one.
    if (!Item) return summarize(await this.list(task));
    const plan = Item as PlanRecord;
    // Rows of the chunks being copied: as many index entries as there are copy workers.
    const copying = await this.query({
      IndexName: CLAIM_INDEX,
      KeyConditionExpression: "task = :task AND begins_with(claimKey, :copying)",
      ExpressionAttributeValues: { ":task": task, ":copying": COPYING_KEYS },
    });
    const inFlight = copying.reduce((n, c) => n + (Number(c.rows) || 0), 0);
    const tables = await readTableProgress(this.client, this.table, task, copying);
    return {
      chunks: plan.chunks,
      done: plan.done,
      estimatedRows: plan.estimatedRows,
      rowsCopied: plan.rowsDone + inFlight,
      tables,
    };
  }

  async replace(task: string, chunks: Chunk[]): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.table, Key: { task, id: PLAN_RECORD } }));
    await deleteTablePlans(this.client, this.table, task);
    const existing = await this.list(task);
    await this.batch(existing.map((c) => ({ DeleteRequest: { Key: { task, id: c.id } } })));
    await this.batch(chunks.map((c) => ({ PutRequest: { Item: { ...c, claimKey: claimKey(c) } } })));
    if (chunks.length === 0) return;
    const done = chunks.filter((c) => c.state === "done");
    const plan: PlanRecord = {
      chunks: chunks.length,
      estimatedRows: chunks.reduce((n, c) => n + c.estimatedRows, 0),
      done: done.length,
      rowsDone: done.reduce((n, c) => n + c.rows, 0),
    };
    await putTablePlans(this.client, this.table, task, chunks);
    // Written last: a plan cut short has no plan record, and summary() then counts the chunks there are.
    await this.client.send(
      new PutCommand({ TableName: this.table, Item: { task, id: PLAN_RECORD, ...plan } }),
    );
  }

  append(task: string, chunks: Chunk[], cursor: PlanCursor): Promise<void> {
    return appendPlanned(this.client, this.table, task, chunks, cursor);
  }

  planCursor(task: string): Promise<PlanCursor | undefined> {
    return readPlanCursor(this.client, this.table, task);
  }

  async claim(task: string, execution: string, worker: number, workers: number): Promise<Chunk | undefined> {
    for (let round = 0; round < CLAIM_ROUNDS; round++) {
      const now = this.now();
      const stale = staleBefore(now, this.heartbeatTimeoutMs);
      const at = new Date(now).toISOString();
      const candidates = await this.candidates(task, execution, stale, at, claimPage(workers));
      if (candidates.length === 0) {
        // Nothing in the index: done, or a ledger planned before the index (legacy-ledger.ts).
        if (round > 0 || !(await indexLegacyLedger(this.client, this.table, task))) return undefined;
        continue;
      }
      for (const id of claimOrder(candidates, worker, workers)) {
        const claimed = await this.take(task, id, execution, stale, at);
        if (claimed) return claimed;
      }
      // Every candidate went to another worker between the index read and the write: read again.
    }
    return undefined;
  }

  /** Ids worth trying: the first claimable entries of the index, else retries due; else fresh ones of other executions. */
  private async candidates(
    task: string,
    execution: string,
    stale: string,
    now: string,
    page: number,
  ): Promise<string[]> {
    const open = await this.client.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: CLAIM_INDEX,
        KeyConditionExpression: "task = :task AND claimKey < :stale",
        ExpressionAttributeValues: { ":task": task, ":stale": staleKey(stale) },
        Limit: page,
      }),
    );
    if (open.Items?.length) return open.Items.map((c) => String(c.id));
    const due = await dueRetries(this.at(), task, now, page);
    if (due.length > 0) return due;
    // Only chunks with a live heartbeat are left (a few per worker): an interrupted execution's may be taken over.
    const fresh = await this.query({
      IndexName: CLAIM_INDEX,
      KeyConditionExpression: "task = :task AND claimKey BETWEEN :stale AND :end",
      ExpressionAttributeValues: { ":task": task, ":stale": staleKey(stale), ":end": COPYING_END },
    });
    return fresh.filter((c) => c.execution !== execution).map((c) => String(c.id));
  }

  private async take(task: string, id: string, execution: string, stale: string, now: string) {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { task, id },
          UpdateExpression:
            "SET #state = :copying, execution = :me, updatedAt = :now, #rows = :zero, claimKey = :key REMOVE retryAt ADD attempts :one",
          // A pending chunk waiting out its backoff is not taken before its retryAt.
          ConditionExpression:
            "(#state = :pending AND (attribute_not_exists(retryAt) OR retryAt <= :now)) OR (#state = :copying AND (execution <> :me OR updatedAt < :stale))",
          ExpressionAttributeNames: { "#state": "state", "#rows": "rows" },
          ExpressionAttributeValues: {
            ":copying": "copying",
            ":pending": "pending",
            ":me": execution,
            ":now": now,
            ":stale": stale,
            ":key": claimKey({ id, state: "copying", updatedAt: now }),
            ":zero": 0,
            ":one": 1,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return withoutClaimKey(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  async progress(claim: ChunkClaim, rows: number): Promise<boolean> {
    const now = this.timestamp();
    return ifHeld(this.at(), claim, "SET #rows = :rows, updatedAt = :now, claimKey = :key", {
      ":rows": rows,
      ":now": now,
      ":key": claimKey({ id: claim.id, state: "copying", updatedAt: now }),
    });
  }

  async release(claim: ChunkClaim, failure?: { error: ChunkError; retryAt: string }): Promise<void> {
    const now = this.timestamp();
    if (failure) return releaseWithError(this.at(), claim, failure, now);
    await ifHeld(
      this.at(),
      claim,
      "SET #state = :pending, #rows = :zero, updatedAt = :now, claimKey = :key REMOVE execution",
      {
        ":pending": "pending",
        ":zero": 0,
        ":now": now,
        ":key": claimKey({ id: claim.id, state: "pending", updatedAt: now }),
      },
    );
  }

  fail(claim: ChunkClaim, error: ChunkError): Promise<boolean> {
    return markFailed(this.at(), claim, error, this.timestamp());
  }

  failed(task: string): Promise<Chunk[]> {
    return failedChunks(this.at(), task);
  }

  reopen(task: string, execution: string): Promise<number> {
    return reopenFailed(this.at(), task, execution, this.timestamp());
  }

  async markDone(claim: ChunkClaim, rows: number): Promise<void> {
    const chunk = {
      TableName: this.table,
      Key: { task: claim.task, id: claim.id },
      UpdateExpression: "SET #state = :done, #rows = :rows, updatedAt = :now REMOVE claimKey",
      ConditionExpression: HELD,
      ExpressionAttributeNames: { "#state": "state", "#rows": "rows" },
      ExpressionAttributeValues: { ":done": "done", ":rows": rows, ":now": this.timestamp(), ...held(claim) },
    };
    const tableItem = tableDone(this.table, claim.task, claim.id, rows);
    const plan = {
      TableName: this.table,
      Key: { task: claim.task, id: PLAN_RECORD },
      UpdateExpression: "ADD #done :one, rowsDone :rows",
      ConditionExpression: "attribute_exists(#chunks)",
      ExpressionAttributeNames: { "#done": "done", "#chunks": "chunks" },
      ExpressionAttributeValues: { ":one": 1, ":rows": rows },
    };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [{ Update: chunk }, { Update: plan }, { Update: tableItem }],
          }),
        );
        return;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (reasons?.[0] === "ConditionalCheckFailed") return this.lost(claim);
        // No plan record (a ledger planned before there was one): the chunk alone.
        if (reasons?.[1] === "ConditionalCheckFailed") {
          return this.client.send(new UpdateCommand(chunk)).then(
            () => undefined,
            (e: unknown) => (isConditionFailure(e) ? this.lost(claim) : Promise.reject(e)),
          );
        }
        // Two workers marking chunks done at once meet on the plan record: try again.
        if (!reasons?.includes("TransactionConflict") || attempt >= 8) throw error;
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  /** A failed condition on a chunk `claim` was to finish: already done by it (a retried request), or lost. */
  private async lost(claim: ChunkClaim): Promise<void> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.table,
        Key: { task: claim.task, id: claim.id },
        ConsistentRead: true,
      }),
    );
    const current = Item as Chunk | undefined;
    if (doneBy(current, claim)) return;
    throw new ChunkLostError(claim, current);
  }

  private query(input: Omit<QueryCommandInput, "TableName">): Promise<Record<string, unknown>[]> {
    return queryAll(this.client, { ...input, TableName: this.table });
  }

  private batch(requests: Record<string, unknown>[]): Promise<void> {
    return batchWrite(this.client, this.table, requests);
  }

  /** Where the ledger lives, for the functions of dynamo-chunk-failures.ts. */
  private at(): LedgerTable {
    return { client: this.client, table: this.table };
  }

  private timestamp(): string {
    return new Date(this.now()).toISOString();
  }
}
