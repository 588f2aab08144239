import { describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { positionFromStatusRow } from "#core/source/capture-position.ts";

describe("binlog position from the status row", () => {
  it("reads MySQL 8.4's SHOW BINARY LOG STATUS row with a multi-line GTID set", () => {
    const row = {
      File: "binlog.000042",
      Position: 157,
      Binlog_Do_DB: "",
      Binlog_Ignore_DB: "",
      Executed_Gtid_Set:
        "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,\n4f22gb58-71ca-11e1-9e33-c80aa9429562:1-9",
    };
    expect(positionFromStatusRow(row)).toEqual({
      file: "binlog.000042",
      position: 157,
      executedGtidSet: "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5,4f22gb58-71ca-11e1-9e33-c80aa9429562:1-9",
    });
  });

  it("reads a MySQL 5.7 / MariaDB row without GTIDs", () => {
    expect(positionFromStatusRow({ File: "mysql-bin.000003", Position: "1234" })).toEqual({
      file: "mysql-bin.000003",
      position: 1234,
      executedGtidSet: undefined,
    });
  });

  it("says how to enable binary logging when the server returns no row", () => {
    expect(() => positionFromStatusRow(undefined)).toThrow(FatalError);
    expect(() => positionFromStatusRow(undefined)).toThrow(/start it with log-bin/);
  });
});
