import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { javaFloatText } from "#core/sinks/kafka/values.ts";
import type { Decoded } from "./kafka.ts";
import { REPO } from "./stack.ts";

/**
 * The ecosystem's own consumers (test/conformance: Alibaba's subscription SDK for dts-avro,
 * Canal's FlatMessage for canal-json), built once with Maven and run on message values.
 */
const MODULE = join(REPO, "test", "conformance");
const JAR = join(MODULE, "target", "conformance.jar");
const CLASSPATH = join(MODULE, "target", "classpath.txt");
const SOURCE = join(MODULE, "src", "main", "java", "dts", "conformance", "Decode.java");

function build(): string {
  const fresh =
    existsSync(JAR) &&
    existsSync(CLASSPATH) &&
    statSync(JAR).mtimeMs >= Math.max(statSync(SOURCE).mtimeMs, statSync(join(MODULE, "pom.xml")).mtimeMs);
  if (!fresh)
    execFileSync("mvn", ["-q", "-B", "-Dstyle.color=never", "-f", join(MODULE, "pom.xml"), "package"], {
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 600_000,
    });
  return `${JAR}:${readFileSync(CLASSPATH, "utf8").trim()}`;
}

/** What Alibaba's SDK returned for one dts-avro message: each value as [class, object type, text]. */
export interface SdkRecord {
  error?: string;
  op?: string;
  objectName?: string;
  fields?: string[];
  before?: ([string, string | null, string] | null)[] | null;
  after?: ([string, string | null, string] | null)[] | null;
}

/** What Canal's FlatMessage held for one canal-json message, printed back as JSON by fastjson2. */
export type FlatMessage = Record<string, unknown> & { error?: string };

export function javaDecode(format: "avro", values: readonly Buffer[]): SdkRecord[];
export function javaDecode(format: "canal", values: readonly Buffer[]): FlatMessage[];
export function javaDecode(format: "avro" | "canal", values: readonly Buffer[]): unknown[] {
  const classpath = build();
  const dir = mkdtempSync(join(tmpdir(), "dts-conformance-"));
  try {
    const file = join(dir, "messages.bin");
    writeFileSync(
      file,
      Buffer.concat(
        values.flatMap((value) => {
          const length = Buffer.alloc(4);
          length.writeUInt32BE(value.length);
          return [length, value];
        }),
      ),
    );
    const out = execFileSync(
      "java",
      [
        "-Duser.timezone=UTC",
        // The SDK reads calendar internals that Java 17 keeps closed otherwise.
        "--add-exports",
        "java.base/sun.util.calendar=ALL-UNNAMED",
        "-cp",
        classpath,
        "dts.conformance.Decode",
        format,
        file,
      ],
      // The SDK's logging binding complains on stderr; a failure carries it in its error.
      { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] },
    );
    return out
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as unknown);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One value the SDK returned as the canal-json string of the same column (how source rows compare). */
export function sdkText(value: [string, string | null, string] | null, typeNumber: number): string | null {
  if (value === null) return null;
  const [kind, , text] = value;
  switch (kind) {
    case "NoneValue":
      return null;
    case "FloatNumeric":
      return javaFloatText(Number(text), typeNumber === 4);
    case "BinaryEncodingObject":
    case "WKBGeometry":
      return Buffer.from(text, "hex").toString("latin1");
    case "UnixTimestamp":
      // A zero TIMESTAMP travels as the epoch (the format has no zero date).
      return text === "1970-01-01 00:00:00.0" ? "0000-00-00 00:00:00" : text;
    default:
      return text;
  }
}

/** Our own decoding of a row message with its images replaced by what the SDK returned. */
export function withSdkImages(ours: Decoded & { record: Record<string, unknown> }, sdk: SdkRecord): Decoded {
  if (ours.ddl) return ours;
  const fields = (ours.record.fields as { array: { name: string; dataTypeNumber: number }[] }).array;
  const image = (values: SdkRecord["before"]) =>
    values
      ? Object.fromEntries(
          fields.map((f, i) => [f.name, sdkText(values[i] ?? null, f.dataTypeNumber)] as const),
        )
      : null;
  return { ...ours, before: image(sdk.before), after: image(sdk.after) };
}
