import { describe, expect, it } from "vitest";
import { HIDDEN, isSecretKey, redact, redactText } from "#core/redact.ts";

describe("the redaction rule", () => {
  it("knows secret-named keys in any case and spelling, and not fields that merely look alike", () => {
    for (const key of [
      "password",
      "Password",
      "PASSWD",
      "pasword",
      "passwrod",
      "db_password",
      "apiToken",
      "clientSecret",
      "private_key",
      "Authorization",
    ])
      expect(isSecretKey(key), key).toBe(true);
    for (const key of [
      "passed",
      "paused",
      "parsed",
      "open",
      "secure",
      "taken",
      "broken",
      "passwordSecretArn",
      "tokenId",
      "host",
      "user",
      "topic",
    ])
      expect(isSecretKey(key), key).toBe(false);
  });

  it("hides secret values at any depth, keeps the rest, and survives cycles", () => {
    const value: Record<string, unknown> = {
      precheck: { passed: true },
      source: { user: "u", password: "p1", passwordSecretArn: "arn:x" },
      nested: [{ sasl: { Password: "p2" } }],
      note: "broker at sasl://dts:p3@host:9093",
    };
    value.self = value;
    const out = redact(value) as Record<string, unknown>;
    expect(JSON.stringify(out)).not.toMatch(/p1|p2|p3/);
    expect(out.precheck).toEqual({ passed: true });
    expect((out.source as Record<string, unknown>).passwordSecretArn).toBe("arn:x");
    expect(out.self).toBe("(...)");
  });

  it("removes credentials from URLs and connection strings in text", () => {
    const cases: [string, string][] = [
      ["mysql://u:p@ss@h:3306/db", `mysql://${HIDDEN}@h:3306/db`],
      ["https://u:pa/ss@h/x", `https://${HIDDEN}@h/x`],
      ["DSN=x;UID=u;PWD=abc;", `DSN=x;UID=u;PWD=${HIDDEN};`],
      ["PWD='my secret' rest", `PWD=${HIDDEN} rest`],
      ['{"password":"hunter2","x":1}', `{"password":${HIDDEN},"x":1}`],
      [`COMMENT='wrapper "mysql", password "x"'`, `COMMENT='wrapper "mysql", password ${HIDDEN}'`],
    ];
    for (const [text, redacted] of cases) expect(redactText(text)).toBe(redacted);
    // Messages that name a field are left as they are.
    expect(redactText("$.source.password: passwords do not go into specs")).toBe(
      "$.source.password: passwords do not go into specs",
    );
  });
});
