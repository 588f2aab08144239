import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePassword, SecretCache, type SecretsClient, useSecretCache } from "#core/adapters/secrets.ts";
import { FatalError } from "#core/errors.ts";
import { ZongjiBinlogReader } from "#core/incremental/binlog-reader.ts";
import { readBinlogRetention } from "#core/incremental/binlog-retention.ts";
import { connectTaskProducer } from "#core/sinks/kafka/login.ts";
import { openSource } from "#core/source/connection.ts";
import type { KafkaDestination, MysqlEndpoint } from "#core/spec/schema.ts";
import { FakeSecrets } from "../support/secrets.ts";
import { STACK, sql } from "../support/stack.ts";

/*
 * A secret rotated under a running task (RDS rotates every 7 days by default): the account's
 * password and the secret change together, well within the cache's TTL. The next login with the
 * cached password is refused; the secret is fetched again once and the login succeeds.
 */

const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dts/rotation-test-AbCdEf";
const USER = "rot_reader";
const FIRST = "Rot-first-pw-1";
const SECOND = "Rot-second-pw-2";
const STALE = "Rot-stale-pw-3";

const endpoint = {
  host: STACK.source.host,
  port: STACK.source.port,
  user: USER,
  passwordSecretArn: ARN,
} as MysqlEndpoint;

const secrets = new FakeSecrets(ARN, JSON.stringify({ username: USER, password: FIRST }));
let restore = () => {};

/** Changes the account's password on the source; `secret` what the secret holds from then on. */
async function rotate(password: string, secret = password) {
  await sql(STACK.source.port, [`ALTER USER '${USER}'@'%' IDENTIFIED BY '${password}'`]);
  secrets.value = JSON.stringify({ username: USER, password: secret });
}

async function whoAmI(): Promise<string> {
  const connection = await openSource(endpoint);
  try {
    const [rows] = await connection.query<RowDataPacket[]>("SELECT CURRENT_USER() AS who");
    return String(rows[0]?.who);
  } finally {
    await connection.end();
  }
}

beforeAll(async () => {
  await sql(STACK.source.port, [
    `CREATE OR REPLACE USER '${USER}'@'%' IDENTIFIED BY '${FIRST}'`,
    `GRANT SELECT, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO '${USER}'@'%'`,
  ]);
  // A TTL of a day and a clock that never moves: only a refused login can make it fetch again.
  restore = useSecretCache(new SecretCache({ client: secrets, ttlMs: 86_400_000, clock: () => 0 }));
});

afterAll(async () => {
  restore();
  await sql(STACK.source.port, [`DROP USER IF EXISTS '${USER}'@'%'`]);
});

describe("a rotated secret", () => {
  it("is fetched again when the source refuses the cached password, and the reconnect succeeds", async () => {
    expect(await whoAmI()).toBe(`${USER}@%`);
    expect(secrets.reads).toBe(1);
    await rotate(SECOND);
    expect(await whoAmI()).toBe(`${USER}@%`);
    expect(secrets.reads).toBe(2);
    expect(await whoAmI()).toBe(`${USER}@%`); // cached again
    expect(secrets.reads).toBe(2);
  });

  it("is fetched again by the binlog reader too", async () => {
    await rotate(FIRST);
    const [rows] = (await sql(STACK.source.port, ["SHOW MASTER STATUS"])) as RowDataPacket[][];
    const status = rows?.[0];
    const reader = new ZongjiBinlogReader(endpoint, ["mysql"], 4_000_123);
    const failures: Error[] = [];
    try {
      await reader.start(
        { file: String(status?.File), position: Number(status?.Position) },
        () => undefined,
        (error) => failures.push(error),
      );
    } finally {
      await reader.stop();
    }
    expect(failures).toEqual([]);
    expect(secrets.reads).toBe(3);
  });

  it("stops the task with a clear error, no password in it, when the secret was not updated", async () => {
    await rotate(STALE, FIRST);
    const error = await whoAmI().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    const message = (error as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^cannot connect to the source ${USER}@127\\.0\\.0\\.1:${STACK.source.port}: login refused with the password of secret ${ARN}, and it has not changed since the refused login \\(Access denied for user '${USER}'@`,
      ),
    );
    expect(message).toMatch(/check source\.user and the secret source\.passwordSecretArn names$/);
    for (const password of [FIRST, SECOND, STALE]) expect(message).not.toContain(password);
  });

  it("leaves the source's binlog retention readable by the tailer's account", async () => {
    await rotate(FIRST);
    const connection = await openSource(endpoint);
    try {
      const retention = await readBinlogRetention(connection);
      const [rows] = (await sql(STACK.source.port, [
        "SELECT @@expire_logs_days * 86400 AS seconds",
      ])) as RowDataPacket[][];
      const row = rows?.[0];
      const expected = Number(row?.seconds) > 0 ? Number(row?.seconds) : Number.POSITIVE_INFINITY;
      expect(retention).toBe(expected);
    } finally {
      await connection.end();
    }
  });
});

describe("a rotated Kafka SASL secret", () => {
  it("is fetched again when the brokers refuse the cached password, and the producer connects", async () => {
    const kafkaArn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dts/kafka-rotation-AbCdEf";
    let value = "stale-kafka-pw";
    let reads = 0;
    const client: SecretsClient = {
      async secretString() {
        reads++;
        return value;
      },
    };
    const undo = useSecretCache(new SecretCache({ client, ttlMs: 86_400_000, clock: () => 0 }));
    try {
      const destination = {
        brokers: [STACK.kafkaSasl],
        sasl: { username: STACK.kafkaUser.username, passwordSecretArn: kafkaArn },
      } as unknown as KafkaDestination;
      const sasl = { passwordSecretArn: kafkaArn };
      expect(await resolvePassword(sasl)).toBe("stale-kafka-pw"); // cached before the rotation
      value = STACK.kafkaUser.password;
      const producer = await connectTaskProducer(destination, "dts-rotation-test");
      await producer.close();
      expect(reads).toBe(2);
    } finally {
      undo();
    }
  });
});
