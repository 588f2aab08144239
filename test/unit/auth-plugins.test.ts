import { execFileSync } from "node:child_process";
import { constants, generateKeyPairSync, privateDecrypt, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
import mysql from "mysql2/promise";
import { afterEach, describe, expect, it } from "vitest";
import { FatalError } from "#core/errors.ts";
import { ZongjiBinlogReader } from "#core/incremental/binlog-reader.ts";
import { scrambleToken } from "#core/source/auth-plugins.ts";
import { openDestination, openSource, sessionStatement } from "#core/source/connection.ts";
import type { MysqlEndpoint } from "#core/spec/schema.ts";

// A fake MySQL server speaking just enough of the protocol (HandshakeV10, AuthSwitchRequest,
// AuthMoreData, OK) to ask a client for its password the way a hostile server would.

const PASSWORD = "s3cret-Pa55";
type Packet = { seq: number; payload: Buffer };

const OK = Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
// LONG_PASSWORD, CONNECT_WITH_DB, PROTOCOL_41, TRANSACTIONS, SECURE_CONNECTION, PLUGIN_AUTH,
// CONNECT_ATTRS, PLUGIN_AUTH_LENENC_CLIENT_DATA; SSL when the server offers TLS
const CAPABILITIES = 0x1 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000 | 0x100000 | 0x200000;
const SSL = 0x800;

/** Protocol::HandshakeV10: version 10, server version, connection id, nonce, flags, plugin name. */
function handshake(plugin: string, nonce: Buffer, tls: boolean): Buffer {
  const caps = CAPABILITIES | (tls ? SSL : 0);
  return Buffer.concat([
    Buffer.from("\n8.0.36-fake\0\x07\0\0\0", "latin1"),
    nonce.subarray(0, 8),
    Buffer.from([0, caps & 0xff, (caps >>> 8) & 0xff, 45, 2, 0, (caps >>> 16) & 0xff, caps >>> 24, 21]),
    Buffer.alloc(10),
    nonce.subarray(8, 20),
    Buffer.from(`\0${plugin}\0`),
  ]);
}

const authSwitch = (plugin: string, data: Buffer) =>
  Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${plugin}\0`), data, Buffer.from([0])]);

/** One client connection: packets in, packets out, optionally upgraded to TLS after SSLRequest. */
class Peer {
  readonly received: Packet[] = [];
  /** Every packet the client sent, and how many it had sent when the server asked for the password. */
  readonly all: Packet[] = [];
  asked = Number.POSITIVE_INFINITY;
  closed = false;
  private buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private out: { write(data: Buffer): unknown };
  private upgrade: Duplex | undefined;

  constructor(private readonly socket: Socket) {
    this.out = socket;
    socket.on("data", (data: Buffer) => (this.upgrade ? this.upgrade.push(data) : this.feed(data)));
    socket.on("close", () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on("error", () => undefined);
  }

  private feed(data: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 4) {
      const length = this.buffer.readUIntLE(0, 3);
      if (this.buffer.length < 4 + length) break;
      const packet = { seq: this.buffer[3] ?? 0, payload: this.buffer.subarray(4, 4 + length) };
      this.received.push(packet);
      this.all.push(packet);
      this.buffer = this.buffer.subarray(4 + length);
      if (this.upgradeNext) {
        this.startTls(this.buffer);
        this.buffer = Buffer.alloc(0);
      }
    }
    this.waiter?.();
  }

  private upgradeNext: { key: string; cert: string } | undefined;
  /** After the next packet (the client's SSLRequest), speak TLS. */
  expectTls(credentials: { key: string; cert: string }): void {
    this.upgradeNext = credentials;
  }

  private startTls(rest: Buffer): void {
    const raw = this.socket;
    this.upgrade = new Duplex({ read() {}, write: (chunk, _encoding, done) => raw.write(chunk, done) });
    const secure = new TLSSocket(this.upgrade, { isServer: true, ...this.upgradeNext });
    this.upgradeNext = undefined;
    secure.on("data", (data: Buffer) => this.feed(data));
    secure.on("error", () => undefined);
    this.out = secure;
    if (rest.length > 0) this.upgrade.push(rest);
  }

  send(seq: number, payload: Buffer): void {
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = seq;
    this.out.write(Buffer.concat([header, payload]));
  }

  /** The next packet, or undefined when the client closed or sent nothing within `ms`. */
  async next(ms = 2000): Promise<Packet | undefined> {
    const deadline = Date.now() + ms;
    while (this.received.length === 0 && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, deadline - Date.now());
      });
    }
    return this.received.shift();
  }
}

const servers: Server[] = [];
const sockets: Socket[] = [];
const scriptErrors: unknown[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const server of servers.splice(0)) server.close();
  const [first] = scriptErrors.splice(0);
  if (first) throw first;
});

/** Starts a fake server running `script` for every connection; returns the port and the peers. */
async function fakeServer(script: (peer: Peer) => Promise<void>): Promise<{ port: number; peers: Peer[] }> {
  const peers: Peer[] = [];
  const server = createServer((socket) => {
    const peer = new Peer(socket);
    peers.push(peer);
    sockets.push(socket);
    void script(peer).catch((error: unknown) => {
      scriptErrors.push(error);
      socket.destroy();
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, peers };
}

const endpoint = (port: number, extra: Partial<MysqlEndpoint> = {}): MysqlEndpoint => ({
  host: "127.0.0.1",
  port,
  user: "app",
  password: PASSWORD,
  ...extra,
});

/** What a client sent after the server asked for the password (nothing, for a refusal). */
const answers = (peer: Peer): Packet[] => peer.all.slice(peer.asked);
const leaked = (peer: Peer): boolean => Buffer.concat(peer.all.map((p) => p.payload)).includes(PASSWORD);

/** caching_sha2_password as MySQL 8 does it: switch, check the scramble, then ask for full auth. */
function cachingSha2(
  answer: (peer: Peer, nonce: Buffer, seq: number) => Promise<void>,
  tls?: { key: string; cert: string },
) {
  return async (peer: Peer) => {
    const first = randomBytes(20);
    peer.send(0, handshake("caching_sha2_password", first, tls !== undefined));
    if (tls) peer.expectTls(tls);
    let seq = (await peer.next())?.seq ?? 0;
    if (tls) seq = (await peer.next())?.seq ?? 0;
    const nonce = randomBytes(20);
    peer.send(seq + 1, authSwitch("caching_sha2_password", nonce));
    const token = await peer.next();
    expect(token?.payload).toEqual(scrambleToken(PASSWORD, nonce));
    peer.send(seq + 3, Buffer.from([0x01, 0x04]));
    peer.asked = peer.all.length;
    await answer(peer, nonce, seq + 4);
  };
}

/** Accepts the login, then answers every query with OK and records it. */
async function serveQueries(peer: Peer, seq: number, queries: string[]): Promise<void> {
  peer.send(seq + 1, OK);
  for (let packet = await peer.next(); packet; packet = await peer.next()) {
    if (packet.payload[0] !== 0x03) return;
    queries.push(packet.payload.subarray(1).toString("utf8"));
    peer.send(1, OK);
  }
}

describe("logins a fake server could read the password from are refused", () => {
  it("refuses caching_sha2_password full authentication without TLS and without a configured key", async () => {
    const { port, peers } = await fakeServer(cachingSha2(async (peer) => void (await peer.next(500))));
    const error = await openSource(endpoint(port)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FatalError);
    const message = (error as Error).message;
    expect(message).toContain("the server asked for the password of app (caching_sha2_password)");
    expect(message).toContain("enable source.tls, or set source.serverPublicKey");
    expect(message).toContain("SHOW STATUS LIKE 'Caching_sha2_password_rsa_public_key'");
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toMatch(/\n\s+at /);
    const peer = peers[0] as Peer;
    expect(answers(peer)).toEqual([]);
    expect(leaked(peer)).toBe(false);
    for (let i = 0; i < 20 && !peer.closed; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(peer.closed).toBe(true);
  });

  it("plain mysql2 would have requested the server's key (the fake server is faithful)", async () => {
    const seen: Packet[] = [];
    const { port } = await fakeServer(
      cachingSha2(async (peer) => {
        const next = await peer.next();
        if (next) seen.push(next);
      }),
    );
    const connecting = mysql
      .createConnection({ ...endpoint(port), connectTimeout: 2000 })
      .catch(() => undefined);
    for (let i = 0; i < 40 && seen.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.map((p) => [...p.payload])).toEqual([[0x02]]);
    for (const socket of sockets.splice(0)) socket.destroy();
    await connecting;
  });

  it("encrypts the password with the spec's serverPublicKey, never asking for one", async () => {
    const keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const queries: string[] = [];
    let decrypted = "";
    const { port } = await fakeServer(
      cachingSha2(async (peer, nonce, seq) => {
        const blob = (await peer.next())?.payload ?? Buffer.alloc(0);
        const plain = privateDecrypt(
          { key: keys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
          blob,
        );
        decrypted = Buffer.from(plain.map((b, i) => b ^ (nonce[i % 20] ?? 0))).toString("utf8");
        await serveQueries(peer, seq, queries);
      }),
    );
    const serverPublicKey = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    const connection = await openSource(endpoint(port, { serverPublicKey }));
    await connection.end();
    expect(decrypted).toBe(`${PASSWORD}\0`);
    expect(queries).toEqual([sessionStatement("source")]);
  });

  it("names a serverPublicKey that is not a key", async () => {
    const { port } = await fakeServer(cachingSha2(async (peer) => void (await peer.next(500))));
    const error = await openSource(endpoint(port, { serverPublicKey: "not a key" })).catch((e: unknown) => e);
    expect((error as Error).message).toContain("source.serverPublicKey is not a usable RSA public key");
  });

  it("refuses sha256_password and mysql_clear_password switches without TLS", async () => {
    for (const plugin of ["sha256_password", "mysql_clear_password"]) {
      const { port, peers } = await fakeServer(async (peer) => {
        peer.send(0, handshake("mysql_native_password", randomBytes(20), false));
        const response = await peer.next();
        peer.send((response?.seq ?? 1) + 1, authSwitch(plugin, randomBytes(20)));
        peer.asked = peer.all.length;
        await peer.next(500);
      });
      const error = await openDestination({ ...endpoint(port), type: "mysql" } as MysqlEndpoint).catch(
        (e: unknown) => e,
      );
      expect((error as Error).message).toContain(`the server asked for the password of app (${plugin})`);
      expect((error as Error).message).toContain("enable destination.tls");
      expect(answers(peers[0] as Peer)).toEqual([]);
      expect(leaked(peers[0] as Peer)).toBe(false);
    }
  });

  it("refuses in the binlog reader's connections too", async () => {
    const { port, peers } = await fakeServer(cachingSha2(async (peer) => void (await peer.next(500))));
    const reader = new ZongjiBinlogReader(endpoint(port), ["shop"], 4242);
    const error = await reader
      .start(
        { file: "bin.000001", position: 4 },
        () => undefined,
        () => undefined,
      )
      .catch((e: unknown) => e);
    await reader.stop();
    expect(error).toBeInstanceOf(FatalError);
    expect((error as Error).message).toContain("enable source.tls, or set source.serverPublicKey");
    expect(peers.length).toBeGreaterThan(0);
    for (const peer of peers) {
      expect(answers(peer)).toEqual([]);
      expect(leaked(peer)).toBe(false);
    }
  });
});

function selfSignedCertificate(): { key: string; cert: string } | undefined {
  try {
    const dir = mkdtempSync(join(tmpdir(), "dts-auth-"));
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
        ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`],
      ],
      { stdio: "ignore", input: "" },
    );
    return { key: readFileSync(`${dir}/key.pem`, "utf8"), cert: readFileSync(`${dir}/cert.pem`, "utf8") };
  } catch {
    return undefined;
  }
}

describe("over TLS", () => {
  const credentials = selfSignedCertificate();

  it.skipIf(!credentials)("sends the password for full authentication, as usual", async () => {
    const tls = credentials as { key: string; cert: string };
    let sent = "";
    const queries: string[] = [];
    const { port } = await fakeServer(
      cachingSha2(async (peer, _nonce, seq) => {
        sent = (await peer.next())?.payload.toString("utf8") ?? "";
        await serveQueries(peer, seq, queries);
      }, tls),
    );
    const connection = await openSource(
      endpoint(port, { tls: { enabled: true, ca: tls.cert, rejectUnauthorized: true } }),
    );
    await connection.end();
    expect(sent).toBe(`${PASSWORD}\0`);
    expect(queries).toEqual([sessionStatement("source")]);
  });

  it.skipIf(!credentials)("a certificate from another CA fails the handshake, with the fix", async () => {
    const tls = credentials as { key: string; cert: string };
    const { port, peers } = await fakeServer(cachingSha2(async () => undefined, tls));
    const error = await openSource(
      endpoint(port, { tls: { enabled: true, rejectUnauthorized: true } }),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/TLS handshake failed: .*certificate.*; check source\.tls$/);
    expect(leaked(peers[0] as Peer)).toBe(false);
  });
});
