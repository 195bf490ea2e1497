/**
 * The run-level redactor (run/secrets.ts) on its own: a leak the rerank client cannot redact, since
 * the client only knows the key it sends. Here no key is sent in a header at all: the generic
 * dialect puts the user's Cohere key (CO_API_KEY, an alias every Cohere SDK reads, typed into the
 * command line as `$CO_API_KEY`) in the request body through its extraBody option, and the server
 * sends the whole body back in its 400 error. Only the run's redactor, which knows the values of
 * every key variable, stands between that error and the run folder, stdout and stderr.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, REPO, spawnCli } from "../helpers/cli.js";
import { json, type LocalServer, startLocalServer } from "../rerank/local-server.js";

const CANARY = "co-CANARY-body-3b9f1e77a0";

describe("the run's redactor catches a key the client does not know it sent", () => {
  let echo: LocalServer;
  let dir: string;

  beforeAll(async () => {
    await buildCli();
    dir = await mkdtemp(join(tmpdir(), "rerank-eval-redactor-"));
    echo = await startLocalServer((req, res) => {
      // A gateway that quotes the request it rejects, the way many validation errors do.
      json(res, 400, { error: { message: `invalid request ${JSON.stringify(req.body)}` } });
    });
  }, 60_000);

  afterAll(async () => {
    await echo?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("no output of a run holds the key: stdout, stderr, every file of the run folder", async () => {
    const out = join(dir, "run");
    const run = await spawnCli(
      [
        "run",
        "--dataset",
        join(REPO, "datasets/capitals.csv"),
        "--sample",
        "3",
        "--model",
        "echo-model",
        "--provider",
        "generic",
        "--endpoint",
        `${echo.url}/rerank`,
        "--option",
        `extraBody={"api_key":"${CANARY}"}`,
        "--retries",
        "0",
        "--max-failures",
        "10",
        "--quiet",
        "--out",
        out,
      ],
      { CO_API_KEY: CANARY },
    );
    // Not vacuous: the key reached the server, and its echo reached the outputs (redacted).
    expect(echo.requests.length).toBeGreaterThan(0);
    expect(JSON.stringify(echo.requests[0].body)).toContain(CANARY);
    const files = await readdir(out, { recursive: true, withFileTypes: true });
    const texts = [run.stdout, run.stderr];
    for (const f of files) if (f.isFile()) texts.push(await readFile(join(f.parentPath, f.name), "utf8"));
    const all = texts.join("\n");
    expect(all).toContain("invalid request");
    expect(all).toContain("[REDACTED]");
    expect(files.map((f) => f.name)).toContain("results.jsonl");
    for (const [i, text] of texts.entries())
      expect(text.includes(CANARY), `output ${i} holds the key: ${text.slice(0, 200)}`).toBe(false);
  }, 30_000);
});
