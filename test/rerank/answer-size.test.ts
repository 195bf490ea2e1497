/**
 * The answer size cap (--max-answer-bytes): a Content-Length above it fails before the body is read,
 * a body growing past it fails the moment it does, neither is retried, and in a run the task fails
 * (exit 3, report written) instead of the process exiting 0 with no report, as a 600 MB answer
 * once made it do. Bodies are streamed by real loopback servers, in 1 MiB pieces.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createReranker } from "../../src/rerank/client.js";
import { DEFAULT_MAX_ANSWER_BYTES } from "../../src/rerank/limits.js";
import type { Reranker } from "../../src/rerank/types.js";
import { buildCli, spawnCli } from "../helpers/cli.js";
import { syntheticRows, tempDir, writeCsv } from "../run/helpers.js";
import {
  apiFailure,
  CANARY_KEY,
  json,
  type LocalServer,
  regoloAnswer,
  regoloConfig,
  startLocalServer,
} from "./local-server.js";

const MIB = 1024 * 1024;
const PIECE = Buffer.alloc(MIB, 0x20); // JSON whitespace: a valid, endless prefix after "{"

/** Streams `status` with `total` bytes of body (`{` then spaces), written as the socket drains. */
async function stream(res: ServerResponse, total: number, status = 200, contentLength = false) {
  res.writeHead(status, {
    "content-type": "application/json",
    ...(contentLength ? { "content-length": String(total) } : {}),
  });
  res.write("{");
  let sent = 1;
  while (sent < total && !res.destroyed) {
    const piece = PIECE.subarray(0, Math.min(MIB, total - sent));
    sent += piece.length;
    if (!res.write(piece)) await drainedOrClosed(res);
  }
  if (!res.destroyed) res.end();
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      resolve();
    };
    res.once("drain", done).once("close", done);
  });
}

let server: LocalServer | undefined;
let reranker: Reranker | undefined;
afterEach(async () => {
  await reranker?.close();
  await server?.close();
  reranker = server = undefined;
});

describe("answer size cap", () => {
  it("fails an 80 MB answer at the default 64 MiB, fast, without retrying", async () => {
    server = await startLocalServer((_req, res) => stream(res, 80 * MIB));
    reranker = createReranker(regoloConfig(server.url));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", ["a", "b"]));
    expect(performance.now() - started).toBeLessThan(5000);
    expect(err).toMatchObject({ kind: "too-large", retryable: false, attempts: 1 });
    expect(err.message).toBe(
      `regolo ${new URL(server.url).origin}: answer exceeds 64 MiB (--max-answer-bytes) (after 1 attempt)`,
    );
    expect(server.requests).toHaveLength(1);
    expect(DEFAULT_MAX_ANSWER_BYTES).toBe(67_108_864);
  });

  it("refuses a Content-Length over the cap before reading the body", async () => {
    let wrote = 0;
    server = await startLocalServer(async (_req, res) => {
      // Declares 600 MB and sends it slowly: only the header can have told the client.
      res.writeHead(200, { "content-type": "application/json", "content-length": String(600 * MIB) });
      while (!res.destroyed && wrote < 20) {
        res.write(PIECE.subarray(0, 1024));
        wrote++;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    reranker = createReranker(regoloConfig(server.url, { maxAnswerBytes: MIB }));
    const started = performance.now();
    const err = await apiFailure(reranker.rerank("q", ["a"]));
    expect(performance.now() - started).toBeLessThan(500);
    expect(err.kind).toBe("too-large");
    expect(err.message).toMatch(
      /: answer of 600 MiB \(Content-Length\) exceeds 1 MiB \(--max-answer-bytes\) \(after 1 attempt\)$/,
    );
    await expect.poll(() => wrote < 20 && server?.requests.length === 1).toBe(true);
  });

  it("caps error bodies too: a 3 MB 500 is not retried", async () => {
    server = await startLocalServer((_req, res) => stream(res, 3 * MIB, 500));
    reranker = createReranker(regoloConfig(server.url, { maxAnswerBytes: 1_000_000 }));
    const err = await apiFailure(reranker.rerank("q", ["a"]));
    expect(err).toMatchObject({ kind: "too-large", attempts: 1 });
    expect(err.message).toMatch(/answer exceeds 1,000,000 bytes \(--max-answer-bytes\)/);
    expect(server.requests).toHaveLength(1);
  });

  it("reads an answer exactly at the cap", async () => {
    let size = 0;
    server = await startLocalServer((req, res) => {
      const body = JSON.stringify(regoloAnswer(req));
      size = Buffer.byteLength(body);
      json(res, 200, JSON.parse(body));
    });
    reranker = createReranker(regoloConfig(server.url, { maxAnswerBytes: 10_000 }));
    await reranker.rerank("q", ["a", "b"]); // learns the size
    await reranker.close();
    reranker = createReranker(regoloConfig(server.url, { maxAnswerBytes: size }));
    expect((await reranker.rerank("q", ["a", "b"])).items).toHaveLength(2);
    await reranker.close();
    reranker = createReranker(regoloConfig(server.url, { maxAnswerBytes: size - 1 }));
    expect((await apiFailure(reranker.rerank("q", ["a", "b"]))).kind).toBe("too-large");
  });

  it("refuses a cap an answer string could not hold", () => {
    expect(() =>
      createReranker(regoloConfig("http://127.0.0.1:9/rerank", { maxAnswerBytes: 2 ** 40 })),
    ).toThrow(/^maxAnswerBytes must be an integer between 1 and 536870888, got 1099511627776$/);
  });
});

describe("answer size cap on the command line", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    await buildCli();
  }, 60_000);
  afterAll(async () => cleanup());

  it("rerank --max-answer-bytes 1000000 against a 3 MB answer: exit 3, one line", async () => {
    server = await startLocalServer((_req, res) => stream(res, 3 * MIB));
    const run = await spawnCli(
      [
        "rerank",
        "--endpoint",
        server.url,
        "--model",
        "m",
        "--query",
        "q",
        "--doc",
        "a",
        "--max-answer-bytes",
        "1000000",
      ],
      { REGOLO_API_KEY: CANARY_KEY },
    );
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(
      /^rerank-eval: API error: regolo http:\/\/127\.0\.0\.1:\d+: answer exceeds 1,000,000 bytes \(--max-answer-bytes\) \(after 1 attempt\)\n$/,
    );
  });

  it("run: an oversized answer is that query's failure, exit 3, the report written; the other queries score", async () => {
    server = await startLocalServer((req, res) =>
      req.body.query === "query number 2" ? stream(res, 3 * MIB) : json(res, 200, regoloAnswer(req)),
    );
    const csv = await writeCsv(dir, syntheticRows(4, 3));
    const out = join(dir, "out");
    const run = await spawnCli(
      [
        ...["run", "--dataset", csv, "--endpoint", server.url, "--model", "m", "--out", out, "--quiet"],
        ...["--max-answer-bytes", "1000000"],
      ],
      { REGOLO_API_KEY: CANARY_KEY },
    );
    expect(run.code, run.stderr).toBe(3);
    expect(existsSync(join(out, "report.json"))).toBe(true);
    const results = (await readFile(join(out, "results.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const failed = results.filter((r) => r.error);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ qid: "q2", error: { kind: "too-large" } });
    expect(failed[0].error.message).toMatch(/answer exceeds 1,000,000 bytes \(--max-answer-bytes\)/);
    expect(results.filter((r) => !r.error)).toHaveLength(3);
  });
});
