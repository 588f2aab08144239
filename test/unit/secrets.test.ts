import { describe, expect, it } from "vitest";
import { SECRET_REFUSED, SecretCache } from "#core/adapters/secrets.ts";
import { ConfigError, loadConfig } from "#core/config.ts";
import { FatalError } from "#core/errors.ts";
import { isAccessDenied } from "#core/source/connection.ts";
import { FakeSecrets } from "../support/secrets.ts";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dts/shop-reader-AbCdEf";
const MINUTE = 60_000;

/** A server that accepts one password, refusing others as MySQL does (1045, no password echoed). */
function server(accepted: () => string) {
  const logins: string[] = [];
  const login = async (password: string) => {
    logins.push(password);
    if (password !== accepted())
      throw Object.assign(new Error("Access denied for user 'reader'@'10.0.0.7' (using password: YES)"), {
        code: "ER_ACCESS_DENIED_ERROR",
        errno: 1045,
        sqlMessage: "Access denied for user 'reader'@'10.0.0.7' (using password: YES)",
      });
    return "connected";
  };
  return { login, logins };
}

function setup(ttlMs = 15 * MINUTE) {
  let now = Date.UTC(2031, 0, 1);
  const secrets = new FakeSecrets(ARN, JSON.stringify({ username: "reader", password: "first-pw" }));
  const cache = new SecretCache({ client: secrets, ttlMs, clock: () => now });
  const advance = (ms: number) => {
    now += ms;
  };
  return { secrets, cache, advance };
}

const fromSecret = { passwordSecretArn: ARN };

describe("passwords from Secrets Manager", () => {
  it("are cached for the TTL and fetched again once it has passed", async () => {
    const { secrets, cache, advance } = setup();
    expect(await cache.resolve(fromSecret)).toBe("first-pw");
    advance(15 * MINUTE - 1);
    expect(await cache.resolve(fromSecret)).toBe("first-pw");
    expect(secrets.reads).toBe(1);
    secrets.value = "rotated-pw"; // plain text works as well as RDS's JSON
    advance(1);
    expect(await cache.resolve(fromSecret)).toBe("rotated-pw");
    expect(secrets.reads).toBe(2);
  });

  it("are fetched again once when the server refuses the cached one, and the login retried", async () => {
    const { secrets, cache } = setup();
    await cache.resolve(fromSecret);
    secrets.value = JSON.stringify({ password: "rotated-pw" }); // rotation, well within the TTL
    const db = server(() => "rotated-pw");
    await expect(cache.connect(fromSecret, db.login, isAccessDenied)).resolves.toBe("connected");
    expect(db.logins).toEqual(["first-pw", "rotated-pw"]);
    expect(secrets.reads).toBe(2);
    // The fresh password is cached: the next login needs no fetch.
    await cache.connect(fromSecret, db.login, isAccessDenied);
    expect(secrets.reads).toBe(2);
  });

  it("stop the task with a clear error, no password in it, when the secret's value is refused again", async () => {
    const { secrets, cache } = setup();
    const db = server(() => "the-account-password");
    const refusal = await cache.connect(fromSecret, db.login, isAccessDenied).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(FatalError);
    expect(refusal).toMatchObject({ code: SECRET_REFUSED });
    const message = (refusal as Error).message;
    expect(message).toMatch(
      new RegExp(
        `^login refused with the password of secret ${ARN}, and it has not changed since the refused login \\(Access denied for user 'reader'`,
      ),
    );
    expect(message).toMatch(/put the account's current password in the secret/);
    expect(message).not.toContain("first-pw");
    expect(db.logins).toEqual(["first-pw"]); // the same value again would be refused again
    expect(secrets.reads).toBe(2);

    // Rotated to a value that is wrong too: tried once, then the same clear stop.
    secrets.value = "second-wrong-pw";
    const again = await cache.connect(fromSecret, db.login, isAccessDenied).catch((e: unknown) => e);
    expect((again as Error).message).toMatch(/and it was fetched again after a first refusal/);
    expect((again as Error).message).not.toMatch(/first-pw|second-wrong-pw/);
    expect(db.logins).toEqual(["first-pw", "first-pw", "second-wrong-pw"]);
  });

  it("are not fetched again for other failures, nor for a literal password", async () => {
    const { secrets, cache } = setup();
    const lost = Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:3306"), { code: "ECONNREFUSED" });
    await expect(cache.connect(fromSecret, () => Promise.reject(lost), isAccessDenied)).rejects.toBe(lost);
    expect(secrets.reads).toBe(1);
    const db = server(() => "other");
    await expect(cache.connect({ password: "literal" }, db.login, isAccessDenied)).rejects.toMatchObject({
      code: "ER_ACCESS_DENIED_ERROR",
    });
    expect(db.logins).toEqual(["literal"]);
  });

  it("recognise a refused login however it is wrapped", () => {
    const denied = { errno: 1045, message: "Access denied" };
    expect(isAccessDenied(new Error("binlog connection refused", { cause: denied }))).toBe(true);
    expect(isAccessDenied({ code: "ER_DBACCESS_DENIED_ERROR", errno: 1044 })).toBe(false);
  });

  it("keep their TTL in the config (DTS_SECRET_TTL_SECONDS, 15 minutes unset)", () => {
    expect(loadConfig({}).secretCache).toEqual({ ttlMs: 900_000 });
    expect(loadConfig({ DTS_SECRET_TTL_SECONDS: "60" }).secretCache).toEqual({ ttlMs: 60_000 });
    expect(() => loadConfig({ DTS_SECRET_TTL_SECONDS: "2d" })).toThrow(ConfigError);
    expect(() => loadConfig({ DTS_SECRET_TTL_SECONDS: "90000" })).toThrow(/at most 86400/);
  });
});
