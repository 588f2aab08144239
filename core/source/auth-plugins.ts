import { constants, createHash, publicEncrypt } from "node:crypto";
import { TLSSocket } from "node:tls";
import type { ConnectionOptions } from "mysql2";

/**
 * mysql2's own sha256_password and caching_sha2_password plugins, on a connection without TLS,
 * ask the server for its RSA public key and encrypt the password with whatever key comes back:
 * a fake server (or a man in the middle) sends its own key and reads the password. Its
 * mysql_clear_password plugin sends the password as it is. These replacements never send a
 * password a peer could read: over TLS they behave as usual; without TLS the password is
 * encrypted only with the key the spec names (`serverPublicKey`), and otherwise the login is
 * refused with the fix. A server key is never requested. mysql_native_password (challenge and
 * response, no password on the wire) stays mysql2's.
 */

type AuthPlugin = NonNullable<ConnectionOptions["authPlugins"]>[string];
type PluginConnection = Parameters<AuthPlugin>[0]["connection"];

/** Error code of a login refused because the password would have been readable by the server. */
export const INSECURE_AUTH = "DTS_INSECURE_AUTH";

export class InsecureAuthError extends Error {
  readonly code = INSECURE_AUTH;
  /** mysql2 closes the connection on fatal errors. */
  readonly fatal = true;
  constructor(message: string) {
    super(message);
    this.name = "InsecureAuthError";
  }
}

export interface AuthPolicy {
  /** Where the endpoint sits in the spec ("source", "destination"), for the fix in messages. */
  role: string;
  user: string;
  /** PEM text of the server's RSA public key (spec `<role>.serverPublicKey`). */
  serverPublicKey?: string | undefined;
}

const FAST_AUTH_OK = 0x03;
const PERFORM_FULL_AUTH = 0x04;

/** The server status variable that shows the key each plugin uses. */
const KEY_STATUS: Record<string, string> = {
  caching_sha2_password: "Caching_sha2_password_rsa_public_key",
  sha256_password: "Rsa_public_key",
};

function overTls(connection: PluginConnection): boolean {
  const stream = (connection as unknown as { stream?: unknown }).stream;
  return stream instanceof TLSSocket && stream.encrypted;
}

function passwordOf(connection: PluginConnection): string {
  return connection.config.password ?? "";
}

function sha256(...parts: Buffer[]): Buffer {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) ^ (b[i % b.length] ?? 0);
  return out;
}

/** caching_sha2_password's scramble: SHA256(p) XOR SHA256(SHA256(SHA256(p)), nonce). */
export function scrambleToken(password: string, nonce: Buffer): Buffer {
  if (password === "") return Buffer.alloc(0);
  const stage1 = sha256(Buffer.from(password, "utf8"));
  return xor(stage1, sha256(sha256(stage1), nonce));
}

function refusal(policy: AuthPolicy, plugin: string): InsecureAuthError {
  const status = KEY_STATUS[plugin];
  const key = status
    ? `, or set ${policy.role}.serverPublicKey to the server's RSA public key (the PEM text that SHOW STATUS LIKE '${status}' shows on the server, or its public_key.pem file in the data directory)`
    : " (this plugin sends the password as it is)";
  return new InsecureAuthError(
    `the server asked for the password of ${policy.user} (${plugin}) over a connection without TLS, where anyone on the path could read it; dts did not send it: enable ${policy.role}.tls${key}`,
  );
}

/** The password, XORed with the nonce and RSA-OAEP encrypted with the configured server key. */
function encryptWithConfiguredKey(policy: AuthPolicy, key: string, password: string, nonce: Buffer): Buffer {
  try {
    return publicEncrypt(
      { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha1" },
      xor(Buffer.from(`${password}\0`, "utf8"), nonce),
    );
  } catch (error) {
    throw new InsecureAuthError(
      `${policy.role}.serverPublicKey is not a usable RSA public key (PEM text starting with -----BEGIN PUBLIC KEY-----): ${(error as Error).message}`,
    );
  }
}

/** The answer to "send the password": clear over TLS, encrypted with the spec's key, or refused. */
function fullAuthentication(
  policy: AuthPolicy,
  plugin: string,
  connection: PluginConnection,
  nonce: Buffer,
): Buffer {
  const password = passwordOf(connection);
  if (password === "" || overTls(connection)) return Buffer.from(`${password}\0`, "utf8");
  if (policy.serverPublicKey)
    return encryptWithConfiguredKey(policy, policy.serverPublicKey, password, nonce);
  throw refusal(policy, plugin);
}

function unexpected(plugin: string): Error {
  return new InsecureAuthError(
    `the server sent an unexpected ${plugin} authentication packet; login stopped`,
  );
}

/** The `authPlugins` option for mysql2 connections to an endpoint (dts's and ZongJi's). */
export function guardedAuthPlugins(policy: AuthPolicy): Record<string, AuthPlugin> {
  return {
    caching_sha2_password: ({ connection }) => {
      let nonce: Buffer | undefined;
      let finished = false;
      return (data: Buffer) => {
        if (nonce === undefined) {
          nonce = Buffer.from(data.subarray(0, 20));
          return scrambleToken(passwordOf(connection), nonce);
        }
        if (finished || data.length !== 1) throw unexpected("caching_sha2_password");
        finished = true;
        if (data[0] === FAST_AUTH_OK) return null;
        if (data[0] === PERFORM_FULL_AUTH)
          return fullAuthentication(policy, "caching_sha2_password", connection, nonce);
        throw unexpected("caching_sha2_password");
      };
    },
    sha256_password: ({ connection }) => {
      let answered = false;
      return (data: Buffer) => {
        if (answered) throw unexpected("sha256_password");
        answered = true;
        return fullAuthentication(policy, "sha256_password", connection, Buffer.from(data.subarray(0, 20)));
      };
    },
    mysql_clear_password:
      ({ connection }) =>
      () => {
        const password = passwordOf(connection);
        if (password !== "" && !overTls(connection)) throw refusal(policy, "mysql_clear_password");
        return Buffer.from(`${password}\0`, "utf8");
      },
  };
}
