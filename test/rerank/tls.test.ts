/**
 * TLS verification stays on: an endpoint whose certificate is not trusted fails at once (no retry
 * can change a certificate) with a line saying so, and the same endpoint works once its CA is trusted
 * the supported way (NODE_EXTRA_CA_CERTS), never by switching verification off. A handshake that
 * never completes is bounded by the connect timeout.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import { type AddressInfo, createServer as createNetServer, type Socket } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../src/errors.js";
import { createReranker } from "../../src/rerank/client.js";
import { buildCli, REPO, spawnCli } from "../helpers/cli.js";

// A self-signed certificate for 127.0.0.1 (valid until 2126), made for this test only.
const CERT = join(REPO, "test/rerank/fixtures/self-signed.crt");
const KEY = join(REPO, "test/rerank/fixtures/self-signed.key");

let server: Server;
let endpoint: string;
let requests = 0;

beforeAll(async () => {
  server = createServer({ cert: readFileSync(CERT), key: readFileSync(KEY) }, (_req, res) => {
    requests++;
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ results: [{ index: 0, relevance_score: 0.5 }] }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/rerank`;
  await buildCli();
}, 60_000);
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("TLS verification", () => {
  it("refuses an untrusted certificate at once, without retrying and without sending the request", async () => {
    const client = createReranker({ provider: "vllm", endpoint, model: "m", env: {}, retries: 3 });
    try {
      const err = await client.rerank("q", ["a"]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ kind: "network", retryable: false, attempts: 1 });
      expect((err as ApiError).message).toMatch(
        /^vllm https:\/\/127\.0\.0\.1:\d+: TLS certificate rejected \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\); for a private CA set NODE_EXTRA_CA_CERTS \(after 1 attempt\)$/,
      );
      expect(requests).toBe(0);
    } finally {
      await client.close();
    }
  });

  it("works once the certificate is trusted through NODE_EXTRA_CA_CERTS (real process)", async () => {
    const args = ["rerank", "--provider", "vllm", "--endpoint", endpoint, "--model", "m", "--query", "q"];
    const untrusted = await spawnCli([...args, "--doc", "a"], {});
    expect(untrusted.code).toBe(3);
    expect(untrusted.stderr).toMatch(/TLS certificate rejected/);
    const trusted = await spawnCli([...args, "--doc", "a", "--json"], { NODE_EXTRA_CA_CERTS: CERT });
    expect(trusted.stderr).toBe("");
    expect(trusted.code).toBe(0);
    expect(JSON.parse(trusted.stdout).results).toEqual([{ index: 0, score: 0.5, document: "a" }]);
    expect(requests).toBe(1);
  });

  it("a TLS handshake that never completes is a connect timeout (retryable), not a hang", async () => {
    const silent = createNetServer(() => {}); // accepts TCP, never answers the ClientHello
    const sockets = new Set<Socket>();
    silent.on("connection", (socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    const client = createReranker({
      provider: "vllm",
      endpoint: `https://127.0.0.1:${port}/rerank`,
      model: "m",
      env: {},
      retries: 0,
      connectTimeoutMs: 200,
    });
    try {
      const err = await client.rerank("q", ["a"]).catch((e: unknown) => e);
      expect(err).toMatchObject({ kind: "timeout", retryable: true, attempts: 1 });
      expect((err as ApiError).message).toMatch(
        /connect timeout \(UND_ERR_CONNECT_TIMEOUT\) \(after 1 attempt\)$/,
      );
      // undici checks connect timeouts on a coarse (~1 s) timer: bounded, if not to the millisecond.
      expect((err as ApiError).attemptLatenciesMs[0]).toBeGreaterThanOrEqual(150);
      expect((err as ApiError).attemptLatenciesMs[0]).toBeLessThan(5000);
    } finally {
      await client.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("no source file turns verification off", () => {
    const src = join(REPO, "src");
    const offenders = readdirSync(src, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .filter((f) =>
        /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity/.test(
          readFileSync(join(src, f), "utf8"),
        ),
      );
    expect(offenders).toEqual([]);
  });
});
