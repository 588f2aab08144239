import { AuthenticationError, MultipleErrors, NetworkError, ProtocolError } from "@platformatic/kafka";
import { KafkaJSConnectionError, KafkaJSSASLAuthenticationError } from "kafkajs";
import { describe, expect, it } from "vitest";
import { FatalError, RetriableError } from "#core/errors.ts";
import { translateKafkaError } from "#core/sinks/kafka/kafka-errors.ts";
import { isSaslRefused } from "#core/sinks/kafka/login.ts";

/** Errors shaped as @platformatic/kafka reports them (one per broker tried, causes nested). */
const brokerDown = new MultipleErrors("Cannot connect to any broker.", [
  new NetworkError("Connection to 10.0.0.5:9092 failed.", {
    cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:9092"), { code: "ECONNREFUSED" }),
  }),
]);
const loginRefused = new MultipleErrors("Cannot connect to any broker.", [
  new NetworkError("Connection to 10.0.0.5:9096 failed.", {
    cause: new AuthenticationError("SASL authentication failed.", {
      cause: new ProtocolError("SASL_AUTHENTICATION_FAILED"),
    }),
  }),
]);
const tooLarge = new MultipleErrors("Producing messages failed.", [new ProtocolError("MESSAGE_TOO_LARGE")]);
const leaderMoved = new MultipleErrors("Producing messages failed.", [
  new ProtocolError("NOT_LEADER_OR_FOLLOWER"),
]);

describe("Kafka errors as the task sees them", () => {
  it("retries a broker away or a leader moving, with either client", () => {
    for (const error of [
      brokerDown,
      leaderMoved,
      new KafkaJSConnectionError("Connection error: ECONNREFUSED", {}),
    ])
      expect(translateKafkaError(error, true)).toBeInstanceOf(RetriableError);
    expect(translateKafkaError(brokerDown).message).toMatch(/Cannot connect to any broker.*ECONNREFUSED/);
  });

  it("stops on a refused login at start, naming the setting, and reconnects when it comes mid-task (rotated secret)", () => {
    for (const error of [
      loginRefused,
      new (KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error)(
        "SASL SCRAM SHA256 authentication failed",
      ),
    ]) {
      expect(isSaslRefused(error)).toBe(true);
      const atStart = translateKafkaError(error);
      expect(atStart).toBeInstanceOf(FatalError);
      expect(atStart.message).toMatch(/check destination\.sasl/);
      expect(translateKafkaError(error, true)).toBeInstanceOf(RetriableError);
    }
    expect(isSaslRefused(brokerDown)).toBe(false);
  });

  it("stops on a row larger than the topic accepts, naming the settings to raise", () => {
    const error = translateKafkaError(tooLarge, true);
    expect(error).toBeInstanceOf(FatalError);
    expect(error.message).toMatch(/max\.message\.bytes/);
  });

  it("stops on a certificate that does not verify: retrying cannot help", () => {
    const error = new NetworkError("Connection to k1:9094 failed.", {
      cause: new Error("unable to verify the first certificate"),
    });
    const translated = translateKafkaError(error, true);
    expect(translated).toBeInstanceOf(FatalError);
    expect(translated.message).toMatch(/check destination\.tls/);
  });
});
