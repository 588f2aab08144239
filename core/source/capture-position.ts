import type { Connection, RowDataPacket } from "mysql2/promise";
import { FatalError } from "../errors.ts";
import type { BinlogPosition } from "../model/position.ts";
import { binlogStatusStatement, type ServerVersion } from "./flavour.ts";

/** The row SHOW MASTER STATUS / SHOW BINARY LOG STATUS returns (column names differ slightly). */
export function positionFromStatusRow(row: Record<string, unknown> | undefined): Omit<
  BinlogPosition,
  "gtid"
> & {
  executedGtidSet?: string;
} {
  if (!row || row.File === undefined || row.File === null || row.File === "") {
    throw new FatalError(
      "the source has no binary log position (binary logging is off): start it with log-bin, binlog_format=ROW and binlog_row_image=FULL",
    );
  }
  const executed = String(row.Executed_Gtid_Set ?? "").replace(/\s+/g, "");
  return { file: String(row.File), position: Number(row.Position), executedGtidSet: executed || undefined };
}

/** Reads the current binlog position with the statement the source's flavour and version answer. */
export async function captureBinlogPosition(
  connection: Connection,
  server: ServerVersion,
): Promise<BinlogPosition> {
  const [rows] = await connection.query<RowDataPacket[]>(binlogStatusStatement(server));
  const { file, position, executedGtidSet } = positionFromStatusRow(rows[0]);
  if (server.flavour === "mariadb") {
    const [[gtidRow]] = await connection.query<RowDataPacket[]>("SELECT @@GLOBAL.gtid_binlog_pos AS gtid");
    const gtid = String(gtidRow?.gtid ?? "");
    return gtid ? { file, position, gtid, gtidFlavour: "mariadb" } : { file, position };
  }
  if (server.flavour === "mysql" && executedGtidSet)
    return { file, position, gtid: executedGtidSet, gtidFlavour: "mysql" };
  // PolarDB-X does not support GTID subscription: file + position only.
  return { file, position };
}
