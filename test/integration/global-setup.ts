import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { isTailerCommand } from "#core/adapters/tailer-command.ts";
import { REPO } from "../support/stack.ts";

const PORTS = [33061, 33062, 39092, 39093, 38000];

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port, timeout: 1000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Tailers the tests launched from this checkout (pid files in .stack/) end with the stack. */
function stopTailers(): void {
  const dir = `${REPO}.stack`;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => /^tailer-.*\.pid$/.test(f)) : [];
  for (const file of files) {
    const pid = Number(readFileSync(`${dir}/${file}`, "utf8"));
    try {
      if (isTailerCommand(readFileSync(`/proc/${pid}/cmdline`, "utf8"))) process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

function stack(command: "up" | "down"): void {
  execFileSync("bash", [`${REPO}scripts/stack/stack.sh`, command], { stdio: "inherit", cwd: REPO });
}

/**
 * Integration tests run against the real local stack. When it is already up (`npm run stack:up`)
 * they use it and leave it running; otherwise they start it and stop it again at the end.
 */
export default async function setup(): Promise<(() => void) | undefined> {
  const up = await Promise.all(PORTS.map(answers));
  if (up.every(Boolean)) return undefined;
  stack("up");
  return () => {
    stopTailers();
    stack("down");
  };
}
