import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";
import { API_TOKEN_RULE, API_TOKEN_SHAPE } from "#core/config.ts";

/**
 * The guard in front of `dts serve`. The local API has no IAM in front of it, so every request must
 * prove it does not come from a web page the user happens to visit:
 * - Host names a loopback address with the server's port (DNS rebinding sends the attacker's name);
 * - an Origin, when present, is that same loopback origin (pages on other origins are refused);
 * - the per-run token is in `Authorization: Bearer` or `x-dts-token`, headers that no "simple"
 *   cross-site request can carry;
 * - a request that changes something is `Content-Type: application/json`, which a cross-site form
 *   or text/plain POST cannot be without a CORS preflight;
 * - CORS preflights (OPTIONS) are refused and no response carries CORS headers.
 * All refusals are 403, except a missing or wrong token (401) and a wrong media type (415).
 */

export type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface GuardRequest {
  method: string;
  /** Header names in lower case, as node:http gives them. */
  headers: Headers;
}

export interface GuardContext {
  /** The port the server listens on. */
  port: number;
  token: string;
}

export type GuardVerdict = { allow: true } | { allow: false; status: number; error: string; message: string };

/** The header a script may use instead of `Authorization: Bearer`. */
export const TOKEN_HEADER = "x-dts-token";

const CHANGES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** 32 random bytes, base64url: a fresh token for one run of `dts serve`. */
export function generateToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Why a token chosen by the user (DTS_API_TOKEN) cannot be used, or undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  return API_TOKEN_SHAPE.test(token) ? undefined : `must be ${API_TOKEN_RULE}`;
}

/** 127.0.0.0/8, ::1 (any spelling, brackets allowed) or localhost. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (name === "localhost") return true;
  if (isIPv4(name)) return name.split(".")[0] === "127";
  const bare = name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
  if (!isIPv6(bare)) return false;
  const normalized = new URL(`http://[${bare}]/`).hostname;
  if (normalized === "[::1]") return true;
  // An IPv4-mapped loopback address (::ffff:127.x.y.z; the URL parser writes it in hex).
  return /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(normalized);
}

/** A Host header's name and port (80 when it has none), or undefined when it is not one. */
function parseHost(value: string): { name: string; port: number } | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(value);
  if (!match?.[1]) return undefined;
  return { name: match[1].toLowerCase(), port: match[2] === undefined ? 80 : Number(match[2]) };
}

function single(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/** Constant-time comparison: both sides hashed first, so the buffers always have equal length. */
function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(given), digest(token));
}

/** The token the request carries: Authorization: Bearer first, else x-dts-token. */
function presentedToken(headers: Headers): string | undefined {
  const authorization = single(headers, "authorization");
  if (authorization !== undefined) {
    const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return bearer?.[1] ?? "";
  }
  return single(headers, TOKEN_HEADER)?.trim();
}

function refuse(status: number, error: string, message: string): GuardVerdict {
  return { allow: false, status, error, message };
}

/** The checks every request passes, token or not: loopback Host, no preflight, same Origin. */
function guardOrigin(request: GuardRequest, port: number): GuardVerdict {
  const expected = `127.0.0.1:${port}, localhost:${port} or [::1]:${port}`;
  const hostHeader = single(request.headers, "host");
  const host = hostHeader === undefined ? undefined : parseHost(hostHeader.trim());
  if (!host || !isLoopbackHost(host.name) || host.port !== port) {
    return refuse(
      403,
      "ForbiddenHost",
      `the Host header must be ${expected}: dts serve answers only requests addressed to this machine's loopback (a guard against DNS rebinding)`,
    );
  }
  const method = request.method.toUpperCase();
  if (method === "OPTIONS") {
    return refuse(
      403,
      "CorsNotAllowed",
      "dts serve allows no cross-origin requests: call it from curl or a script on this machine, not from a web page",
    );
  }
  const origin = single(request.headers, "origin");
  const sameOrigin = [`http://${host.name}:${port}`, ...(port === 80 ? [`http://${host.name}`] : [])];
  if (origin !== undefined && !sameOrigin.includes(origin.trim().toLowerCase())) {
    return refuse(
      403,
      "ForbiddenOrigin",
      `requests from web pages are refused (Origin ${JSON.stringify(origin.slice(0, 100))}): call the API from curl or a script on this machine`,
    );
  }
  return { allow: true };
}

/**
 * Decides whether `dts serve` may send one of the console's static files (local/console/). They
 * carry no data, so no token is needed (a browser cannot attach one to a navigation), but the Host
 * and Origin checks still apply and only GET and HEAD are answered.
 */
export function guardAsset(request: GuardRequest, context: Pick<GuardContext, "port">): GuardVerdict {
  const verdict = guardOrigin(request, context.port);
  if (!verdict.allow) return verdict;
  const method = request.method.toUpperCase();
  if (method !== "GET" && method !== "HEAD") {
    return refuse(405, "MethodNotAllowed", `the console's files are read with GET, not ${method}`);
  }
  return { allow: true };
}

/** Decides whether `dts serve` may handle a request. Pure: no I/O, never echoes the token. */
export function guardRequest(request: GuardRequest, context: GuardContext): GuardVerdict {
  const verdict = guardOrigin(request, context.port);
  if (!verdict.allow) return verdict;
  const method = request.method.toUpperCase();
  if (!tokenMatches(presentedToken(request.headers), context.token)) {
    return refuse(
      401,
      "Unauthorized",
      "the request has no valid token: send the one `dts serve` printed when it started, as `Authorization: Bearer <token>` (or the x-dts-token header); set DTS_API_TOKEN before starting it to choose the token",
    );
  }
  if (CHANGES.has(method)) {
    const mediaType = single(request.headers, "content-type")?.split(";")[0]?.trim().toLowerCase();
    if (mediaType !== "application/json") {
      return refuse(
        415,
        "UnsupportedMediaType",
        `${method} requests must be sent with \`Content-Type: application/json\` (curl: -H 'content-type: application/json'), even without a body`,
      );
    }
  }
  return { allow: true };
}
