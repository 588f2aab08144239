import type { SourceTransaction } from "../model/row.ts";

/**
 * The transactions read from the binlog and not yet applied, in order, with what they weigh: row
 * changes (plus one per transaction) and binlog bytes. Taking from the front is O(1), so a deep
 * backlog costs nothing per transaction taken.
 */
export class TransactionQueue {
  private items: (SourceTransaction | undefined)[] = [];
  private head = 0;
  changes = 0;
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): SourceTransaction | undefined {
    return this.items[this.head];
  }

  push(tx: SourceTransaction): void {
    this.items.push(tx);
    this.changes += weight(tx);
    this.bytes += tx.bytes ?? 0;
  }

  shift(): SourceTransaction | undefined {
    const tx = this.items[this.head];
    if (!tx) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    this.changes -= weight(tx);
    this.bytes -= tx.bytes ?? 0;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return tx;
  }
}

/** What a transaction counts for in batches and queue bounds: its row changes, plus one. */
export function weight(tx: SourceTransaction): number {
  return tx.changes.length + 1;
}
