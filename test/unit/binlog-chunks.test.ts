import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { oneChunkPerTurn } from "#core/incremental/binlog-reader.ts";

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A socket-like stream with three chunks already waiting, and what it delivered in each turn. */
function waitingChunks(mayResume: () => boolean) {
  const stream = new PassThrough();
  const delivered: string[] = [];
  stream.on("data", (chunk: Buffer) => delivered.push(chunk.toString()));
  oneChunkPerTurn(stream, mayResume);
  for (const chunk of ["a", "b", "c"]) stream.write(chunk);
  return { stream, delivered };
}

describe("reading the binlog one chunk per event-loop turn", () => {
  it("delivers one waiting chunk per turn, so other sockets are answered in between", async () => {
    const { delivered } = waitingChunks(() => true);
    await new Promise<void>((resolve) => process.nextTick(resolve));
    expect(delivered).toEqual(["a"]);
    await turn();
    expect(delivered).toEqual(["a", "b"]);
    await turn();
    expect(delivered).toEqual(["a", "b", "c"]);
  });

  it("stays paused while the tailer holds the stream (backpressure), and loses nothing", async () => {
    let held = true;
    const { stream, delivered } = waitingChunks(() => !held);
    await turn();
    await turn();
    expect(delivered).toEqual(["a"]);
    held = false;
    stream.resume();
    await turn();
    await turn();
    expect(delivered).toEqual(["a", "b", "c"]);
  });
});
