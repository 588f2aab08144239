import cliProgress from "cli-progress";
import type { LedgerSummary } from "#core/store/chunk-ledger.ts";

/** Full-load progress from the chunk ledger: a bar on a terminal, a line every few seconds otherwise. */
export class FullLoadProgress {
  private bar: cliProgress.SingleBar | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private lastLine = 0;

  constructor(
    private readonly read: () => Promise<LedgerSummary>,
    private readonly out: NodeJS.WriteStream = process.stdout,
  ) {}

  start(): void {
    if (this.timer) return;
    if (this.out.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          format:
            "  Full load |{bar}| {percentage}% | {value}/{total} rows | {speed} rows/s | ETA {eta_formatted} | chunks {done}/{chunks}",
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(1, 0, { speed: 0, done: 0, chunks: 0 });
    }
    this.timer = setInterval(() => void this.tick(), 500);
  }

  private async tick(): Promise<void> {
    const summary = await this.read().catch(() => undefined);
    if (!summary) return;
    const seconds = Math.max(0.001, (Date.now() - this.startedAt) / 1000);
    const speed = Math.round(summary.rowsCopied / seconds);
    const total = Math.max(summary.estimatedRows, summary.rowsCopied, 1);
    if (this.bar) {
      this.bar.setTotal(total);
      this.bar.update(summary.rowsCopied, { speed, done: summary.done, chunks: summary.chunks });
    } else if (Date.now() - this.lastLine > 5000) {
      this.lastLine = Date.now();
      const percent = Math.floor((summary.rowsCopied / total) * 100);
      this.out.write(
        `  full load: ${summary.rowsCopied}/${total} rows (${percent}%), ${speed} rows/s, chunks ${summary.done}/${summary.chunks}\n`,
      );
    }
  }

  private stopping: Promise<void> | undefined;

  /** Stops once (later calls wait for the first), after drawing the final numbers. */
  stop(): Promise<void> {
    if (!this.timer) return this.stopping ?? Promise.resolve();
    clearInterval(this.timer);
    this.timer = undefined;
    this.lastLine = 0;
    this.stopping = this.tick().then(() => this.bar?.stop());
    return this.stopping;
  }
}
