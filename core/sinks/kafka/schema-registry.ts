import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { FatalError, RetriableError } from "../../errors.ts";
import { DTS_AVRO_SCHEMA } from "./avro-schema.ts";
import type { MessageEncoder } from "./record.ts";

/** TLS options for an https registry: the CA to trust and whether to verify (the chain and the host). */
export interface RegistryTls {
  ca?: string | undefined;
  rejectUnauthorized: boolean;
}

/**
 * POSTs JSON and returns the status and body. node:https rather than fetch: Node's fetch cannot be
 * given a CA, and a registry behind a private CA needs one (`tls.ca`; NODE_EXTRA_CA_CERTS works too).
 */
function postJson(
  url: URL,
  body: string,
  tls: RegistryTls | undefined,
): Promise<{ status: number; text: string }> {
  const secure = url.protocol === "https:";
  const tlsOptions =
    secure && tls ? { ...(tls.ca ? { ca: tls.ca } : {}), rejectUnauthorized: tls.rejectUnauthorized } : {};
  return new Promise((resolve, reject) => {
    const request = (secure ? httpsRequest : httpRequest)(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/vnd.schemaregistry.v1+json",
          "content-length": Buffer.byteLength(body),
        },
        timeout: 30_000,
        ...tlsOptions,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
        );
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error("no answer within 30 s")));
    request.on("error", reject);
    request.end(body);
  });
}

/** Whether a request failure is about the server's certificate (not worth retrying). */
function certificateProblem(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    /CERT|SELF_SIGNED|ALTNAME|UNABLE_TO_VERIFY/i.test(e.code ?? "") || /certificate/i.test(e.message ?? "")
  );
}

/**
 * Registers the dts-avro schema under the topic's value subject (TopicNameStrategy:
 * `<topic>-value`) and returns its id. Registering an identical schema again returns the same id.
 * `tls` applies to https URLs (a private CA, or rejectUnauthorized false outside production).
 */
export async function registerDtsAvroSchema(
  registryUrl: string,
  topic: string,
  tls?: RegistryTls,
): Promise<number> {
  const url = new URL(
    `${registryUrl.replace(/\/+$/, "")}/subjects/${encodeURIComponent(`${topic}-value`)}/versions`,
  );
  let response: { status: number; text: string };
  try {
    response = await postJson(
      url,
      JSON.stringify({ schemaType: "AVRO", schema: JSON.stringify(DTS_AVRO_SCHEMA) }),
      tls,
    );
  } catch (error) {
    const text = `schema registry ${registryUrl} unreachable: ${(error as Error).message}`;
    if (certificateProblem(error))
      throw new FatalError(`${text}: check the registry's certificate and destination.tls.ca`, {
        cause: error,
      });
    throw new RetriableError(text, { cause: error });
  }
  const text = response.text;
  if (response.status < 200 || response.status > 299)
    throw new FatalError(
      `schema registry refused the dts-avro schema for ${topic}-value (HTTP ${response.status}: ${text.slice(0, 200)}): check destination.schemaRegistryUrl and the subject's compatibility setting`,
    );
  let id: unknown;
  try {
    id = (JSON.parse(text) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  if (typeof id !== "number")
    throw new FatalError(`schema registry answered without a schema id: ${text.slice(0, 200)}`);
  return id;
}

/** Confluent wire format: magic byte 0, the schema id as 4 bytes big-endian, then the Avro body. */
export function confluentFramed(encoder: MessageEncoder, schemaId: number): MessageEncoder {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeUInt32BE(schemaId, 1);
  return {
    row: (event, id) => Buffer.concat([header, encoder.row(event, id)]),
    ddl: (event, id) => Buffer.concat([header, encoder.ddl(event, id)]),
  };
}
