import { FatalError, RetriableError } from "../../errors.ts";
import { DTS_AVRO_SCHEMA } from "./avro-schema.ts";
import type { MessageEncoder } from "./record.ts";

/**
 * Registers the dts-avro schema under the topic's value subject (TopicNameStrategy:
 * `<topic>-value`) and returns its id. Registering an identical schema again returns the same id.
 */
export async function registerDtsAvroSchema(registryUrl: string, topic: string): Promise<number> {
  const url = `${registryUrl.replace(/\/+$/, "")}/subjects/${encodeURIComponent(`${topic}-value`)}/versions`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
      body: JSON.stringify({ schemaType: "AVRO", schema: JSON.stringify(DTS_AVRO_SCHEMA) }),
    });
  } catch (error) {
    throw new RetriableError(`schema registry ${registryUrl} unreachable: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const text = await response.text();
  if (!response.ok)
    throw new FatalError(
      `schema registry refused the dts-avro schema for ${topic}-value (HTTP ${response.status}: ${text.slice(0, 200)}): check destination.schemaRegistryUrl and the subject's compatibility setting`,
    );
  const id = (JSON.parse(text) as { id?: unknown }).id;
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
