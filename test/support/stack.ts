import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import mysql from "mysql2/promise";

/** Endpoints of the local stack (scripts/stack/stack.sh). */
export const STACK = {
  source: { host: "127.0.0.1", port: 33061, user: "root", password: "dts-root" },
  destination: { host: "127.0.0.1", port: 33062, user: "root", password: "dts-root" },
  kafkaPlain: "127.0.0.1:39092",
  kafkaSasl: "127.0.0.1:39093",
  kafkaUser: { username: "dts", password: "dts-secret" },
  dynamodb: "http://127.0.0.1:38000",
} as const;

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

/** Runs statements on a server of the stack (root over TCP). */
export async function sql(port: number, statements: string[]): Promise<unknown[]> {
  const connection = await mysql.createConnection({ ...STACK.source, port, multipleStatements: false });
  try {
    const results: unknown[] = [];
    for (const statement of statements) results.push((await connection.query(statement))[0]);
    return results;
  } finally {
    await connection.end();
  }
}

/** Starts a throwaway MariaDB (same settings as the source, `options` appended) and returns a stopper. */
export async function startMariadb(
  name: string,
  port: number,
  options: string[],
): Promise<() => Promise<void>> {
  const script = `${REPO}scripts/stack/mariadb-instance.sh`;
  await run("bash", [script, "start", name, String(port), ...options], { cwd: REPO });
  return async () => {
    await run("bash", [script, "stop", name], { cwd: REPO });
  };
}

/** Runs the dts CLI as a user would; never throws on a non-zero exit. */
export async function dts(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run("node", [`${REPO}bin/dts.js`, ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}
