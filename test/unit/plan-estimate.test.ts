import { describe, expect, it } from "vitest";
import {
  CHUNK_OVERHEAD_SECONDS,
  type EtaInput,
  estimateChunks,
  estimateEta,
  KAFKA_WRITE_FACTOR,
  WRITE_FACTOR,
} from "#core/plan/estimate.ts";

const items = { table: "bench.items", rows: 1_000_000, rowBytes: 200, chunks: 20 };
/** 400,000 rows read by 4 readers in 1 s: the source reads 400,000 rows/s with 4 workers. */
const sample = { table: "bench.items", rows: 400_000, seconds: 1, readers: 4, rowBytes: 200 };

function input(overrides: Partial<EtaInput> = {}): EtaInput {
  return { tables: [items], samples: [sample], parallelism: 4, destination: "mysql", ...overrides };
}

describe("chunk count from the statistics", () => {
  it("is the rows over rows per chunk, rounded up, as the planner splits them", () => {
    expect(estimateChunks(986_595, 50_000)).toBe(20);
    expect(estimateChunks(100_000, 50_000)).toBe(2);
    expect(estimateChunks(100_001, 50_000)).toBe(3);
  });

  it("is one for an empty table (its open-ended range is still copied)", () => {
    expect(estimateChunks(0, 50_000)).toBe(1);
  });
});

describe("full-load ETA", () => {
  it("is rows over the sampled read rate, times the write factor, plus the chunks' ledger cost", () => {
    const eta = estimateEta(input());
    const read = 1_000_000 / 400_000;
    expect(eta.seconds).toBeCloseTo(read * WRITE_FACTOR + (20 * CHUNK_OVERHEAD_SECONDS) / 4);
    expect(eta.readRowsPerSecond).toBeCloseTo(400_000);
    expect(eta.copyRowsPerSecond).toBeCloseTo(400_000 / WRITE_FACTOR);
    expect(eta.workers).toBe(4);
  });

  it("scales the sampled readers to the workers that copy, and no more workers than chunks", () => {
    // 8 workers from a 4-reader sample: twice the rate.
    const wide = estimateEta(input({ parallelism: 8 }));
    expect(wide.readRowsPerSecond).toBeCloseTo(800_000);
    // One chunk: a single worker copies it, a quarter of the 4 readers' rate.
    const single = estimateEta(input({ tables: [{ ...items, chunks: 1 }] }));
    expect(single.workers).toBe(1);
    expect(single.readRowsPerSecond).toBeCloseTo(100_000);
  });

  it("never goes faster than fullLoad.rateLimitRowsPerSecond", () => {
    const eta = estimateEta(input({ rateLimitRowsPerSecond: 10_000 }));
    expect(eta.seconds).toBeCloseTo(100 + (20 * CHUNK_OVERHEAD_SECONDS) / 4);
    expect(eta.model).toContain("rateLimitRowsPerSecond 10000");
  });

  it("applies Kafka's larger write factor", () => {
    const eta = estimateEta(input({ destination: "kafka" }));
    expect(eta.writeFactor).toBe(KAFKA_WRITE_FACTOR);
    expect(eta.seconds).toBeCloseTo(2.5 * KAFKA_WRITE_FACTOR + (20 * CHUNK_OVERHEAD_SECONDS) / 4);
  });

  it("carries the sampled rate to a table not sampled by row width", () => {
    const wide = { table: "bench.blobs", rows: 100_000, rowBytes: 800, chunks: 2 };
    const eta = estimateEta(input({ tables: [items, wide] }));
    // bench.blobs' rows are 4x as wide: read at a quarter of the rate.
    const read = 1_000_000 / 400_000 + 100_000 / 100_000;
    expect(eta.seconds).toBeCloseTo(read * WRITE_FACTOR + (22 * CHUNK_OVERHEAD_SECONDS) / 4);
  });

  it("says it has no ETA when rows are there but nothing could be sampled", () => {
    const eta = estimateEta(input({ samples: [] }));
    expect(eta.seconds).toBeUndefined();
    expect(eta.model).toMatch(/no ETA/);
  });

  it("is only the ledger cost for empty tables", () => {
    const eta = estimateEta(input({ tables: [{ ...items, rows: 0, chunks: 1 }], samples: [] }));
    expect(eta.seconds).toBeCloseTo(CHUNK_OVERHEAD_SECONDS);
  });

  it("names the sample, the workers and the write factor it assumed", () => {
    const { model } = estimateEta(input());
    expect(model).toContain("400,000 rows of bench.items by 4 reader(s) in 1.00 s");
    expect(model).toContain("4 worker(s) (fullLoad.parallelism 4, 20 chunk(s))");
    expect(model).toContain(`read time x${WRITE_FACTOR}`);
  });
});
