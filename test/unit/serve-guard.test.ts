import { describe, expect, it } from "vitest";
import {
  generateToken,
  guardAsset,
  guardRequest,
  type Headers,
  isLoopbackHost,
  tokenProblem,
} from "../../local/request-guard.ts";

const PORT = 8080;
const TOKEN = generateToken();
const good: Headers = {
  host: `127.0.0.1:${PORT}`,
  authorization: `Bearer ${TOKEN}`,
  "content-type": "application/json",
};
const guard = (method: string, headers: Headers, token = TOKEN) =>
  guardRequest({ method, headers }, { port: PORT, token });

describe("the dts serve request guard", () => {
  it("generates a fresh 32-byte base64url token per run", () => {
    expect(TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(TOKEN);
  });

  it("allows a request from curl or a script with the token: JSON for changes, any GET", () => {
    expect(guard("POST", good)).toEqual({ allow: true });
    expect(guard("GET", { host: good.host, authorization: good.authorization })).toEqual({ allow: true });
    expect(guard("post", { ...good, "content-type": "Application/JSON; charset=utf-8" })).toEqual({
      allow: true,
    });
    for (const host of [`localhost:${PORT}`, `[::1]:${PORT}`, `127.0.0.2:${PORT}`, `LOCALHOST:${PORT}`]) {
      expect(guard("GET", { ...good, host })).toEqual({ allow: true });
    }
    // The same origin (a page the server itself would serve) and the custom header.
    expect(guard("POST", { ...good, origin: `http://127.0.0.1:${PORT}` })).toEqual({ allow: true });
    expect(guard("POST", { ...good, host: `[::1]:${PORT}`, origin: `http://[::1]:${PORT}` })).toEqual({
      allow: true,
    });
    const { authorization: _, ...custom } = good;
    expect(guard("POST", { ...custom, "x-dts-token": TOKEN })).toEqual({ allow: true });
  });

  it("refuses a simple cross-site text/plain POST, with or without its Origin", () => {
    const page = { host: `127.0.0.1:${PORT}`, "content-type": "text/plain;charset=UTF-8" };
    expect(guard("POST", { ...page, origin: "https://evil.example" })).toMatchObject({
      allow: false,
      status: 403,
      error: "ForbiddenOrigin",
    });
    expect(guard("POST", page)).toMatchObject({ allow: false, status: 401 });
    // Even with the token (a script's mistake), text/plain is refused: 415 names the fix.
    const plain = guard("POST", { ...good, "content-type": "text/plain" });
    expect(plain).toMatchObject({ allow: false, status: 415, error: "UnsupportedMediaType" });
    expect(plain.allow || plain.message).toMatch(/Content-Type: application\/json/);
    for (const method of ["PUT", "PATCH", "DELETE"]) {
      const { "content-type": _, ...noType } = good;
      expect(guard(method, noType)).toMatchObject({ status: 415 });
    }
    expect(guard("POST", { ...good, "content-type": "application/x-www-form-urlencoded" })).toMatchObject({
      status: 415,
    });
  });

  it("refuses a missing or wrong token with 401, naming the header and never echoing a token", () => {
    const { authorization: _, ...none } = good;
    const missing = guard("GET", none);
    expect(missing).toMatchObject({ allow: false, status: 401, error: "Unauthorized" });
    expect(missing.allow || missing.message).toMatch(
      /printed when it started, as `Authorization: Bearer <token>`/,
    );
    const wrong = generateToken();
    for (const authorization of [`Bearer ${wrong}`, `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`, "Bearer "]) {
      const verdict = guard("GET", { ...good, authorization });
      expect(verdict).toMatchObject({ allow: false, status: 401 });
      expect(JSON.stringify(verdict)).not.toContain(TOKEN);
      expect(JSON.stringify(verdict)).not.toContain(wrong);
    }
    expect(guard("GET", { ...none, "x-dts-token": wrong })).toMatchObject({ status: 401 });
    // The scheme is case-insensitive; a known token (DTS_API_TOKEN) works the same way.
    expect(guard("GET", { ...good, authorization: `bearer ${TOKEN}` })).toEqual({ allow: true });
    expect(
      guard("GET", { ...good, authorization: "Bearer my-known-token-1234" }, "my-known-token-1234"),
    ).toEqual({ allow: true });
  });

  it("refuses a Host that is not this server's loopback address and port (DNS rebinding)", () => {
    for (const host of [
      `evil.example:${PORT}`,
      "127.0.0.1:8081",
      "127.0.0.1",
      `192.168.1.10:${PORT}`,
      `localhost.:${PORT}`,
      `127.0.0.1:${PORT}@evil.example`,
      "",
      undefined,
    ]) {
      const verdict = guard("GET", { ...good, host });
      expect(verdict).toMatchObject({ allow: false, status: 403, error: "ForbiddenHost" });
      expect(verdict.allow || verdict.message).toContain(`localhost:${PORT}`);
    }
  });

  it("refuses a foreign Origin even with the token", () => {
    for (const origin of [
      "https://evil.example",
      "null",
      `http://localhost:${PORT}`, // the Host says 127.0.0.1: another origin
      `https://127.0.0.1:${PORT}`,
      `http://127.0.0.1:${PORT + 1}`,
    ]) {
      expect(guard("POST", { ...good, origin })).toMatchObject({
        allow: false,
        status: 403,
        error: "ForbiddenOrigin",
      });
    }
  });

  it("refuses CORS preflights (OPTIONS) whatever they carry", () => {
    const preflight = {
      host: good.host,
      origin: "https://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization,content-type",
    };
    expect(guard("OPTIONS", preflight)).toMatchObject({ allow: false, status: 403, error: "CorsNotAllowed" });
    expect(guard("OPTIONS", good)).toMatchObject({ allow: false, status: 403 });
  });

  it("accepts only loopback listen addresses and sensible chosen tokens", () => {
    for (const host of [
      "127.0.0.1",
      "127.1.2.3",
      "::1",
      "[::1]",
      "0:0:0:0:0:0:0:1",
      "localhost",
      "::ffff:127.0.0.1",
    ]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "128.0.0.1", "::2", ""]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(tokenProblem(TOKEN)).toBeUndefined();
    expect(tokenProblem("short")).toMatch(/16 to 512 characters/);
    expect(tokenProblem("has a space in it, long enough")).toMatch(/16 to 512/);
  });

  it("serves the console's files without the token, but only by GET to this loopback origin", () => {
    const asset = (method: string, headers: Headers) => guardAsset({ method, headers }, { port: PORT });
    // A browser's navigation and its same-origin script loads carry no token.
    expect(asset("GET", { host: good.host })).toEqual({ allow: true });
    expect(asset("HEAD", { host: `localhost:${PORT}` })).toEqual({ allow: true });
    expect(asset("GET", { host: good.host, origin: `http://127.0.0.1:${PORT}` })).toEqual({ allow: true });
    // DNS rebinding, a foreign page, a preflight and any change are refused as for the API.
    expect(asset("GET", { host: `evil.example:${PORT}` })).toMatchObject({
      status: 403,
      error: "ForbiddenHost",
    });
    expect(asset("GET", { host: good.host, origin: "https://evil.example" })).toMatchObject({
      status: 403,
      error: "ForbiddenOrigin",
    });
    expect(asset("OPTIONS", { host: good.host })).toMatchObject({ status: 403, error: "CorsNotAllowed" });
    for (const method of ["POST", "PUT", "DELETE"]) {
      expect(asset(method, good)).toMatchObject({ allow: false, status: 405, error: "MethodNotAllowed" });
    }
    // The API itself still needs the token for a GET: the files carry no data, the API does.
    expect(guard("GET", { host: good.host })).toMatchObject({ status: 401 });
  });
});
