import type { RowChange } from "../model/row.ts";
import {
  decodeRows,
  type MappedTable,
  ROWS_EVENTS,
  type RowImagePlan,
  rowImagePlan,
  tableIdAt,
} from "./row-image.ts";

/** A mysql2 packet as its connection hands it to the running command. */
interface Packet {
  buffer: Buffer;
  /** Start of the payload (after the 4-byte packet header). */
  offset: number;
  end: number;
}

export interface BinlogCommand {
  execute(packet: Packet | undefined, connection: unknown): boolean;
}

/** What of a ZongJi instance the row decoding reads. */
export interface ZongjiInternals {
  connection: { addCommand?: (command: BinlogCommand) => unknown } | null;
  tableMap: Record<number, MappedTable | undefined>;
  useChecksum?: boolean;
}

export interface RowEvents {
  /** The open transaction's row changes, which a decoded rows event appends to. */
  changes(): RowChange[];
  /** A rows event was decoded: its size in the binlog. */
  decoded(bytes: number): void;
  fail(error: Error): void;
  /** Undoes a column rename ZongJi's table map holds (binlog-reader.ts, `__proto__`). */
  rename(name: string): string;
  /** False once this reader stopped: its packets are left to ZongJi, which ignores them. */
  current(): boolean;
}

const TABLE_MAP = 0x13;
/** OK marker + the v4 event header (timestamp, type, server id, length, next position, flags). */
const HEADER = 1 + 19;

/**
 * Decodes rows events with our own decoder (row-image.ts) before ZongJi sees them. Installed on
 * ZongJi's "ready", which it emits just before it queues its binlog dump command: the command's
 * packets pass here first. A rows event of a table whose every column has a reader is decoded here
 * and not handed on; anything else (other events, other column types, tables ZongJi filters out)
 * goes to ZongJi as before. A TABLE_MAP whose bytes equal the last one of its table id is not
 * handed on either: ZongJi's table map already holds it, and parsing its column metadata again on
 * every transaction was the next largest cost.
 */
export function decodeRowsBeforeZongji(zongji: ZongjiInternals, events: RowEvents): void {
  const connection = zongji.connection;
  const addCommand = connection?.addCommand;
  if (!connection || !addCommand) return;
  const plans = new WeakMap<MappedTable, RowImagePlan | null>();
  const tableMaps = new Map<number, Buffer>();
  const handled = (packet: Packet): boolean => {
    const buf = packet.buffer;
    const at = packet.offset;
    if (packet.end - at < HEADER || buf[at] !== 0x00 || !events.current()) return false;
    const type = buf[at + 5] as number;
    const start = at + HEADER;
    const end = packet.end - (zongji.useChecksum ? 4 : 0);
    if (type === TABLE_MAP) {
      const id = tableIdAt(buf, start);
      const body = buf.subarray(start, end);
      const seen = tableMaps.get(id);
      if (seen?.equals(body) && zongji.tableMap[id]?.columns) return true;
      tableMaps.set(id, Buffer.from(body));
      return false;
    }
    const event = ROWS_EVENTS[type];
    if (!event) return false;
    const table = zongji.tableMap[tableIdAt(buf, start)];
    if (!table) return false;
    let plan = plans.get(table);
    if (plan === undefined) {
      plan = rowImagePlan(table, events.rename) ?? null;
      plans.set(table, plan);
    }
    if (!plan) return false;
    try {
      if (!decodeRows(plan, event, buf, start, end, events.changes())) return false;
    } catch (error) {
      events.fail(error instanceof Error ? error : new Error(String(error)));
      return true;
    }
    events.decoded(end - start);
    return true;
  };
  connection.addCommand = function (this: unknown, command: BinlogCommand) {
    connection.addCommand = addCommand;
    const execute = command.execute;
    command.execute = function (this: BinlogCommand, packet, conn) {
      if (packet && handled(packet)) return false;
      return execute.call(this, packet, conn);
    };
    return addCommand.call(this, command);
  };
}
