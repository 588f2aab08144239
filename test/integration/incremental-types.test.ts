import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCheckpointStore } from "#core/store/index.ts";
import { localEnvironment } from "../../local/environment.ts";
import { writeSpecFile } from "../support/spec-fixtures.ts";
import { dts, STACK, sql, startMariadb } from "../support/stack.ts";
import { waitFor } from "../support/tailer.ts";
import { typesFixture } from "../support/types-fixture.ts";

/**
 * The stack's source logs full row metadata; a second source logs none (MariaDB's default). The
 * first is applied on the default side-by-side connections, the second on one (batch = one
 * destination transaction).
 */
const SOURCES = [
  { name: "inc-types", port: STACK.source.port, metadata: "FULL", applyConnections: 4 },
  { name: "inc-types-nometa", port: 33066, metadata: "NO_LOG", applyConnections: 1 },
];
const stoppers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  for (const [key, value] of Object.entries(localEnvironment())) process.env[key] ??= value;
  stoppers.push(await startMariadb("nometa", 33066, ["--binlog-row-metadata=NO_LOG"]));
});

afterAll(async () => {
  for (const source of SOURCES) await dts(["stop", source.name]);
  await Promise.all(stoppers.map((stop) => stop()));
});

describe.each(SOURCES)(
  "incremental migration of every type, binlog_row_metadata=$metadata, applyConnections $applyConnections",
  ({ name, port, applyConnections }) => {
    it("carries inserts, key changes and updates of every type exactly", async () => {
      const db = name.replaceAll("-", "_");
      await sql(port, typesFixture(db));
      await sql(STACK.destination.port, [`DROP DATABASE IF EXISTS ${db}`]);
      const specFile = await writeSpecFile({
        name,
        source: { ...STACK.source, port },
        destination: { type: "mysql", ...STACK.destination, applyConnections },
        migrationTypes: ["schema", "full", "incremental"],
        objects: [{ database: db, tables: [{ name: "all_types" }] }],
      });
      expect((await dts(["run", specFile])).code).toBe(0);
      await waitFor(
        async () => ((await defaultCheckpointStore().read(name))?.expiresAt ?? 0) > Date.now(),
        15_000,
        "the tailer to hold its lease",
      );
      const epoch = (await defaultCheckpointStore().read(name))?.epoch;
      await sql(port, [
        "SET SESSION sql_mode = ''",
        "SET SESSION time_zone = '+05:30'",
        // Every row moves to a new key (a delete and an insert of every value)...
        `UPDATE ${db}.all_types SET id = id + 100`,
        // ...is copied through the binlog again...
        `INSERT INTO ${db}.all_types SELECT id + 100, t, tu, s, su, m, mu, i, iu, b, bu, d, f, g, dt, dtm, ts, tm, y, c, v, tx, l1, bin, vb, bl, b1, b64, e, st, j, geo FROM ${db}.all_types`,
        // ...and changed in place, geometry included.
        `UPDATE ${db}.all_types SET geo = ST_GeomFromText('MULTIPOINT(1 1, 2 2)', 4326), tx = CONCAT(tx, ' ✓') WHERE id = 201`,
        `DELETE FROM ${db}.all_types WHERE id = 102`,
      ]);
      const caughtUp = await dts(["run", specFile, "--until", "caught-up"]);
      expect(caughtUp.stdout).toMatch(/caught up/);
      // The same tailer applied everything: it neither failed nor was restarted (which would reload).
      expect(caughtUp.stdout).toMatch(/is in incremental migration already/);
      expect((await defaultCheckpointStore().read(name))?.epoch).toBe(epoch);
      const verify = await dts(["verify", specFile]);
      expect(verify.stdout).toMatch(/all_types\s+7 \/ 7/);
      expect(verify.stdout).toMatch(/Equal/);
      expect(verify.code).toBe(0);
      expect(
        await sql(STACK.destination.port, [
          `SELECT ST_AsText(geo) AS g, ST_SRID(geo) AS srid FROM ${db}.all_types WHERE id = 201`,
        ]),
      ).toEqual([[{ g: "MULTIPOINT(1 1,2 2)", srid: 4326 }]]);
    });
  },
);
