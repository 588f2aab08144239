import type { Admin, Producer } from "kafkajs";
import { FencedError } from "../../errors.ts";
import type { KafkaTransactions, OutgoingMessage, TransactionalOptions } from "./client.ts";

/**
 * A newer producer of the same transactional id took over (Kafka answers this producer's writes
 * with INVALID_PRODUCER_EPOCH, or PRODUCER_FENCED, code 90, which kafkajs does not name).
 */
export function isProducerFenced(error: unknown): boolean {
  const e = error as { type?: string; code?: number; message?: string; originalError?: unknown } | undefined;
  if (!e) return false;
  if (e.type === "INVALID_PRODUCER_EPOCH" || e.type === "PRODUCER_FENCED" || e.code === 90) return true;
  if (/fenced|INVALID_PRODUCER_EPOCH/i.test(e.message ?? "")) return true;
  return e.originalError !== undefined && isProducerFenced(e.originalError);
}

function topicMessages(request: readonly OutgoingMessage[]) {
  const byTopic = new Map<string, { partition: number; key: string | null; value: Buffer }[]>();
  for (const m of request) {
    const list = byTopic.get(m.topic) ?? [];
    list.push({ partition: m.partition, key: m.key, value: m.value });
    byTopic.set(m.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Kafka transactions on a kafkajs producer made with a transactional id. The checkpoint rides as
 * the metadata of an offset committed for `checkpointGroup` inside the transaction (kafkajs passes
 * the field through to TxnOffsetCommit); the offset itself means nothing.
 */
export function kafkajsTransactions(
  producer: Producer,
  admin: Admin,
  options: TransactionalOptions,
  translate: (error: unknown) => Error,
): KafkaTransactions {
  const fail = (error: unknown): Error =>
    isProducerFenced(error)
      ? new FencedError(
          `Kafka: another producer took over transactional id ${options.transactionalId} (a newer tailer of this task); this one writes nothing more`,
          { cause: error },
        )
      : translate(error);
  return {
    async fence() {
      try {
        // The first transaction initializes the producer id: the broker bumps the id's epoch,
        // which fences an older producer and aborts a transaction it left open.
        const transaction = await producer.transaction();
        await transaction.abort();
        const [offsets] = await admin.fetchOffsets({
          groupId: options.checkpointGroup,
          topics: [options.checkpointTopic],
        });
        const partition = offsets?.partitions.find((p) => p.partition === 0);
        return partition && Number(partition.offset) >= 0 ? (partition.metadata ?? undefined) : undefined;
      } catch (error) {
        throw fail(error);
      }
    },
    async commit(requests, checkpoint) {
      const transaction = await producer.transaction().catch((error: unknown) => {
        throw fail(error);
      });
      try {
        for (const request of requests)
          if (request.length > 0)
            await transaction.sendBatch({ acks: -1, topicMessages: topicMessages(request) });
        await transaction.sendOffsets({
          consumerGroupId: options.checkpointGroup,
          topics: [
            {
              topic: options.checkpointTopic,
              partitions: [{ partition: 0, offset: "0", metadata: checkpoint } as never],
            },
          ],
        });
        await transaction.commit();
      } catch (error) {
        if (transaction.isActive()) await transaction.abort().catch(() => undefined);
        throw fail(error);
      }
    },
  };
}
