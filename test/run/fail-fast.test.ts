/**
 * Fail fast over real loopback servers: a variant whose first 5 tasks all fail the same hopeless way
 * (401, 404, a port nobody listens on) is stopped, its remaining tasks are not sent, the report is
 * written marked incomplete for it, the CLI exits 3 with one line, and the folder resumes once the
 * cause is fixed. --no-fail-fast sends everything; 20 failures in a row stop a variant too.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hopelessKind } from "../../src/run/fail-fast.js";
import { resumeEvaluation, runEvaluation } from "../../src/run/index.js";
import { runCli } from "../helpers/cli.js";
import { startFixedScoreServer, syntheticRows, tempDir, writeCsv } from "./helpers.js";

/** A server that answers every request with `status` until `fixed` is set, then ranks like vLLM. */
async function statusServer(status: number) {
  const state = { requests: 0, fixed: false };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (!state.fixed) {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `status ${status} for this test` } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { documents: string[] };
      const results = body.documents.map((_, index) => ({ index, relevance_score: 1 / (index + 1) }));
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ id: "x", results }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rerank`;
  return {
    endpoint,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A port that was just free: connecting to it is refused. */
async function deadEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/rerank`;
}

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-failfast-"));
  csv = await writeCsv(dir, syntheticRows(30, 3));
});
afterAll(() => cleanup());

const notices: string[] = [];
const io = { quiet: true, notice: (line: string) => notices.push(line) };

describe("fail fast", () => {
  it("401 on the first 5 tasks stops that variant only; no key was sent, and the line says so; resumable once fixed", async () => {
    const bad = await statusServer(401);
    const good = await startFixedScoreServer({ score: (_q, d) => d.length });
    try {
      const out = join(dir, "401");
      const outcome = await runEvaluation(
        {
          dataset: csv,
          models: [
            { name: "bad", provider: "vllm", endpoint: bad.endpoint },
            { name: "good", provider: "vllm", endpoint: good.endpoint },
          ],
          concurrency: 2,
          out,
        },
        io,
      );
      expect(outcome.stoppedVariants.map((s) => s.variant)).toEqual(["bad"]);
      expect(outcome.stoppedVariants[0].kind).toBe("HTTP 401");
      expect(outcome.stoppedVariants[0].reason).toMatch(
        /^variant bad stopped: its first 5 tasks all failed with HTTP 401; no key was sent/,
      );
      expect(notices.at(-1)).toBe(outcome.stoppedVariants[0].reason);
      // The first five, and at most the other task in flight at -j 2: not 30.
      expect(bad.state.requests).toBeGreaterThanOrEqual(5);
      expect(bad.state.requests).toBeLessThanOrEqual(7);
      expect(good.requests).toBe(30);
      const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      const missing = report.incomplete.missing as { variant: string }[];
      expect(missing.length).toBe(30 - bad.state.requests);
      expect(new Set(missing.map((t) => t.variant))).toEqual(new Set(["bad"]));
      expect(report.warnings.join("\n")).toMatch(/variant bad stopped: .*remaining tasks were not sent/);
      expect(outcome.done).toBe(30 + bad.state.requests);

      // Fixed: resume sends the failed tasks again and the missing ones, and nothing of "good".
      bad.state.fixed = true;
      const before = bad.state.requests;
      const resumed = await resumeEvaluation(out, {}, io);
      expect(resumed.stoppedVariants).toEqual([]);
      expect(bad.state.requests - before).toBe(30);
      expect(good.requests).toBe(30);
      expect(resumed.report.incomplete).toBeNull();
      expect(resumed.report.failures.count).toBe(0);
      expect(resumed.done).toBe(60);
    } finally {
      await bad.close();
      await good.close();
    }
  });

  it("the CLI: exit 3, one line naming the variant, the cause and the resume command; with a key, the line says one was sent", async () => {
    const bad = await statusServer(401);
    try {
      const out = join(dir, "401-cli");
      const args = [
        "run",
        "--dataset",
        csv,
        "--model",
        "m",
        "--provider",
        "vllm",
        "--endpoint",
        bad.endpoint,
      ];
      const r = await runCli([...args, "--api-key-env", "FAILFAST_KEY", "-j", "1", "--out", out, "--quiet"], {
        FAILFAST_KEY: "sk-failfast-not-a-secret",
      });
      expect(r.code).toBe(3);
      const lines = r.stderr.trim().split("\n");
      expect(lines.at(-1)).toMatch(
        /^rerank-eval: fail fast stopped 1 variant \(m: HTTP 401\); 5 of 30 tasks done, report \(incomplete\): .*report\.md; fix the cause and continue with: rerank-eval run --resume .*401-cli \(or run with --no-fail-fast\)$/,
      );
      expect(r.stderr).toContain("a key from FAILFAST_KEY was sent and refused: check its value");
      expect(r.stderr).not.toContain("sk-failfast-not-a-secret");
      expect(bad.state.requests).toBe(5);

      // The same with --no-fail-fast: every task is sent and fails (exit 3 through --max-failures).
      const all = await runCli([
        ...args,
        "--no-fail-fast",
        "-j",
        "4",
        "--out",
        join(dir, "401-all"),
        "--quiet",
      ]);
      expect(all.code).toBe(3);
      expect(all.stderr).toMatch(/30 \(variant, query\) tasks failed after their retries/);
      expect(bad.state.requests).toBe(5 + 30);
    } finally {
      await bad.close();
    }
  });

  it("404 and connection refused stop a variant too, each with its own hint", async () => {
    const missing = await statusServer(404);
    const dead = await deadEndpoint();
    try {
      const outcome = await runEvaluation(
        {
          dataset: csv,
          models: [
            { name: "nf", provider: "vllm", endpoint: missing.endpoint },
            { name: "dead", provider: "vllm", endpoint: dead, retries: 0 },
          ],
          concurrency: 2,
          out: join(dir, "404"),
        },
        io,
      );
      const byVariant = new Map(outcome.stoppedVariants.map((s) => [s.variant, s]));
      expect(byVariant.get("nf")?.reason).toMatch(/HTTP 404; check the endpoint URL and the model name$/);
      expect(byVariant.get("dead")?.reason).toMatch(
        /connection refused \(ECONNREFUSED\); check the endpoint URL and that the server is up$/,
      );
      expect(missing.state.requests).toBeLessThanOrEqual(7);
    } finally {
      await missing.close();
    }
  });

  it("20 failures in a row stop a variant whose failures are not hopeless (503 with no retries left)", async () => {
    const flaky = await statusServer(503);
    try {
      const outcome = await runEvaluation(
        {
          dataset: csv,
          models: [{ name: "busy", provider: "vllm", endpoint: flaky.endpoint, retries: 0 }],
          concurrency: 1,
          out: join(dir, "503"),
        },
        io,
      );
      expect(outcome.stoppedVariants[0]?.reason).toBe(
        "variant busy stopped: 20 tasks in a row failed (the last: http)",
      );
      expect(flaky.state.requests).toBe(20);
    } finally {
      await flaky.close();
    }
  });

  it("what counts as hopeless: 401/403/404/422 and refused or unknown hosts, not 429, 5xx or timeouts", () => {
    const http = (status: number) => hopelessKind({ kind: "http", status, message: "" });
    expect([401, 403, 404, 422].map(http)).toEqual(["HTTP 401", "HTTP 403", "HTTP 404", "HTTP 422"]);
    expect([400, 429, 500, 503].map(http)).toEqual([undefined, undefined, undefined, undefined]);
    expect(
      hopelessKind({ kind: "network", message: "x: host not found (ENOTFOUND) (after 1 attempt)" }),
    ).toBe("host not found (ENOTFOUND)");
    expect(hopelessKind({ kind: "network", message: "connection reset by the server (ECONNRESET)" })).toBe(
      undefined,
    );
    expect(hopelessKind({ kind: "timeout", message: "(UND_ERR_HEADERS_TIMEOUT)" })).toBe(undefined);
  });
});
