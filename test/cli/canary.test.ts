import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReranker } from "../../src/rerank/client.js";
import { buildCli, type CliRun, type ServeProcess, spawnCli, startServeProcess } from "../helpers/cli.js";
import { CANARY_KEY, json, type LocalServer, startLocalServer } from "../rerank/local-server.js";

/**
 * The key must appear in no output of any process, whatever fails: flaky `serve` (503s, dropped
 * connections), servers that echo the request headers (key included) in their error bodies, and
 * --debug stack traces. Each case also proves the key really was sent, so the check is not vacuous.
 */
const ENV = { REGOLO_API_KEY: CANARY_KEY, COHERE_API_KEY: CANARY_KEY, CUSTOM_KEY: CANARY_KEY };
const DOCS = [
  "Washington, D.C. is the capital of the United States.",
  "Carson City is in Nevada.",
  "Bananas.",
];
const docArgs = DOCS.flatMap((d) => ["--doc", d]);

describe("canary key never leaks", () => {
  let flaky: ServeProcess;
  let echo: LocalServer;
  const runs: { label: string; run: CliRun }[] = [];

  beforeAll(async () => {
    await buildCli();
    flaky = await startServeProcess(["--fail-rate", "0.4", "--drop-rate", "0.2", "--seed", "7"], ENV);
    echo = await startLocalServer((req, res) => {
      if (req.body.query === "drop") return void res.socket?.destroy();
      const status = req.body.query === "bad" ? 400 : 401;
      // The worst case: the whole request, headers and all, sent back in the error body.
      json(res, status, { error: { message: `rejected ${JSON.stringify(req.headers)}` }, echo: req.headers });
    });
  }, 120_000);

  afterAll(async () => {
    await flaky?.stop();
    await echo?.close();
  });

  async function record(label: string, args: string[], env: Record<string, string> = ENV): Promise<CliRun> {
    const run = await spawnCli(args, env);
    runs.push({ label, run });
    return run;
  }

  it("rerank against a flaky serve (503s and connection drops), table and --json", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const args = [
        "rerank",
        "--endpoint",
        `${flaky.url}/rerank`,
        "--model",
        "bm25",
        "--query",
        `capital ${i}`,
      ];
      const run = await record(`flaky ${i}`, [
        ...args,
        ...docArgs,
        "--retries",
        String(i % 3),
        ...(i % 2 ? ["--json"] : []),
      ]);
      codes.push(run.code);
      expect([0, 3]).toContain(run.code);
    }
    // With a 40 % failure rate and retries 0–2, both outcomes occur.
    expect(codes).toContain(0);
    expect(codes).toContain(3);
  });

  it("doctor against the flaky serve and against a header-echoing server", async () => {
    const flakyRun = await record("doctor flaky", [
      "doctor",
      "--endpoint",
      `${flaky.url}/rerank`,
      "--model",
      "bm25",
      "--retries",
      "0",
    ]);
    // bm25 passes every check on a healthy server; without retries the 40 % failure rate breaks some.
    expect([1, 3]).toContain(flakyRun.code);
    const echoed = await record("doctor echo", ["doctor", "--endpoint", echo.url, "--model", "m", "--json"]);
    expect(echoed.code).toBe(3);
    expect(echoed.stderr).toContain("Bearer [REDACTED]");
  });

  it("rerank against servers that echo the key in 401/400 bodies or drop the connection, with --debug", async () => {
    const base = ["rerank", "--endpoint", echo.url, "--model", "m", ...docArgs];
    const before = echo.requests.length;
    const unauthorized = await record("401 echo", [...base, "--query", "who", "--json"]);
    expect(unauthorized.code).toBe(3);
    expect(unauthorized.stderr).toMatch(
      /^rerank-eval: API error: regolo 401 rejected .*\[REDACTED\].*\(after 1 attempt\)\n$/,
    );
    const bad = await record("400 echo debug", [
      ...base,
      "--query",
      "bad",
      "--debug",
      "--api-key-env",
      "CUSTOM_KEY",
    ]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain("ApiError");
    const dropped = await record("drop", [...base, "--query", "drop", "--retries", "1", "--debug"]);
    expect(dropped.code).toBe(3);
    expect(dropped.stderr).toMatch(/after 2 attempts/);
    // The key was really sent on every request (so the redaction above was exercised).
    const sent = echo.requests.slice(before).map((r) => r.headers.authorization);
    expect(sent.length).toBeGreaterThanOrEqual(4);
    expect(sent.every((h) => h === `Bearer ${CANARY_KEY}`)).toBe(true);
  });

  it("real processes exit 0, 2 and 3", async () => {
    const ok = await record("exit 0", [
      "rerank",
      "--endpoint",
      `${flaky.url}/rerank`,
      "--model",
      "bm25",
      "--query",
      "capital",
      "--retries",
      "10",
      "--json",
      ...docArgs,
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).results).toHaveLength(3);
    const usage = await record("exit 2", ["rerank", "--model", "m", "--query", "q", ...docArgs], {
      CUSTOM_KEY: CANARY_KEY,
    });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/REGOLO_API_KEY/);
    const api = await record("exit 3", [
      "rerank",
      "--endpoint",
      echo.url,
      "--model",
      "m",
      "--query",
      "bad",
      ...docArgs,
    ]);
    expect(api.code).toBe(3);
  });

  it("thrown errors carry no key in JSON or inspect form", async () => {
    const client = createReranker({ endpoint: echo.url, model: "m", env: ENV, retries: 1, baseBackoffMs: 1 });
    try {
      for (const query of ["who", "bad", "drop"]) {
        const err = await client.rerank(query, DOCS).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        for (const text of [
          JSON.stringify(err),
          inspect(err, { depth: 10, showHidden: true }),
          String(err),
        ]) {
          expect(text).not.toContain(CANARY_KEY);
        }
      }
      expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(CANARY_KEY);
    } finally {
      await client.close();
    }
  });

  it("no process printed the key (serve's own log included)", async () => {
    await flaky.stop();
    const all = [...runs, { label: "serve", run: { code: 0, ...flaky.output() } }];
    expect(all.length).toBeGreaterThanOrEqual(12);
    expect(flaky.output().stdout).toMatch(/POST \/rerank/);
    for (const { label, run } of all) {
      expect(run.stdout, `${label} stdout`).not.toContain(CANARY_KEY);
      expect(run.stderr, `${label} stderr`).not.toContain(CANARY_KEY);
      // Not even a recognisable fragment of it.
      expect(`${run.stdout}${run.stderr}`, label).not.toContain(CANARY_KEY.slice(3, 15));
    }
  });
});
