import { describe, expect, it } from "vitest";
import { SpecError } from "#core/errors.ts";
import { parseTaskSpec, specJsonSchema } from "#core/spec/load.ts";
import { specInput } from "../support/spec-fixtures.ts";

function problems(input: unknown): string[] {
  try {
    parseTaskSpec(input);
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return (error as SpecError).details;
  }
  throw new Error("the spec was accepted");
}

describe("task spec", () => {
  it("fills the product's defaults", () => {
    const spec = parseTaskSpec(
      specInput({ destination: { type: "kafka", brokers: ["k:9092"], topic: "t" } }),
    );
    expect(spec.conflictMode).toBe("precheck-and-report");
    expect(spec.capitalization).toBe("dts-default");
    expect(spec.retryWindowMinutes).toBe(720);
    expect(spec.heartbeat).toBe(true);
    expect(spec.source.port).toBe(33061);
    expect(spec.fullLoad).toEqual({ chunkRows: 100_000, chunkBytes: 64 * 1024 * 1024, parallelism: 4 });
    expect(spec.destination).toMatchObject({ format: "dts-avro", partitionPolicy: "partition-0" });
  });

  it("accepts every migration-type combination and rejects an empty or repeated one", () => {
    for (const types of [
      ["schema"],
      ["full"],
      ["incremental"],
      ["schema", "full"],
      ["full", "incremental"],
    ] as const) {
      expect(parseTaskSpec(specInput({ migrationTypes: [...types] })).migrationTypes).toEqual(types);
    }
    expect(problems(specInput({ migrationTypes: [] }))[0]).toMatch(/^\$\.migrationTypes: list at least one/);
    expect(problems(specInput({ migrationTypes: ["full", "full"] }))[0]).toMatch(/each migration type once/);
  });

  it("names the JSON path, the value received and the fix", () => {
    const input = specInput();
    (input.source as Record<string, unknown>).port = "abc";
    expect(problems(input)).toEqual([
      '$.source.port: must be a TCP port number such as 3306 (received "abc")',
    ]);
  });

  it("reports retry windows outside 10-1440 minutes", () => {
    expect(problems(specInput({ retryWindowMinutes: 5 }))[0]).toMatch(
      /^\$\.retryWindowMinutes: must be between 10 and 1440 minutes.*\(received 5\)$/,
    );
    expect(problems(specInput({ retryWindowMinutes: 2000 }))[0]).toMatch(/received 2000/);
  });

  it("suggests the field meant by a misspelt one", () => {
    const input = { ...specInput(), objets: [] };
    expect(problems(input)).toContain('$.objets: unknown field: did you mean "objects"?');
    const nested = specInput({
      objects: [{ database: "shop", tables: [{ name: "t", colums: ["a"] } as never] }],
    });
    expect(problems(nested)[0]).toMatch(
      /^\$\.objects\[0\]\.tables\[0\]\.colums: unknown field: did you mean "columns"\?/,
    );
  });

  it("asks for exactly one of password and passwordSecretArn, and never echoes a password", () => {
    const both = specInput();
    Object.assign(both.source, {
      passwordSecretArn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x",
    });
    expect(problems(both)[0]).toMatch(
      /^\$\.source\.password: set exactly one of password or passwordSecretArn/,
    );
    expect(problems(both)[0]).not.toContain("dts-root");
    const badArn = specInput();
    badArn.source = { host: "h", user: "u", passwordSecretArn: "my-secret" };
    expect(problems(badArn)[0]).toMatch(/^\$\.source\.passwordSecretArn: must be a Secrets Manager ARN/);
  });

  it("validates the destination by its type", () => {
    expect(problems(specInput({ destination: { type: "postgres" } as never }))[0]).toMatch(
      /^\$\.destination\.type: destination\.type must be "mysql" or "kafka"/,
    );
    const kafka = problems(
      specInput({
        destination: {
          type: "kafka",
          brokers: ["nohost"],
          topic: "t",
          partitionKeys: { "shop.orders": ["id"] },
        },
      }),
    );
    expect(kafka).toContain(
      '$.destination.brokers[0]: must be host:port, e.g. 10.0.0.5:9092 (received "nohost")',
    );
    expect(
      kafka.some((p) => p.startsWith("$.destination.partitionKeys: partitionKeys only applies with")),
    ).toBe(true);
  });

  it("says which field is missing", () => {
    expect(problems({ name: "x" })).toEqual([
      "$.source: missing: add an object here (see `dts schema`)",
      "$.destination: missing: add an object here (see `dts schema`)",
      "$.migrationTypes: missing: add an array here (see `dts schema`)",
      "$.objects: missing: add an array here (see `dts schema`)",
    ]);
  });

  it("rejects task names that cannot name an execution", () => {
    expect(problems(specInput({ name: "my task!" }))[0]).toMatch(/^\$\.name: use 1-80 letters/);
  });

  it("exports a JSON Schema with the spec's fields and their descriptions", () => {
    const schema = specJsonSchema() as {
      properties: Record<string, { description?: string }>;
      required: string[];
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        "name",
        "source",
        "destination",
        "migrationTypes",
        "objects",
        "fullLoad",
        "alerts",
      ]),
    );
    expect(schema.required).toEqual(["name", "source", "destination", "migrationTypes", "objects"]);
    expect(schema.properties.retryWindowMinutes?.description).toMatch(/retried/);
  });
});
