/**
 * Ctrl-C and SIGTERM on real `rerank-eval run` processes against a slow loopback server: the run
 * stops launching, lets the calls in flight finish, writes the report marked incomplete, prints one
 * line with the exact resume command, exits 130/143 and releases the folder; that command then
 * finishes the run. A second signal aborts the calls in flight at once.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, spawnCli, startCli } from "../helpers/cli.js";
import { startFixedScoreServer, syntheticRows, tempDir, writeCsv } from "../run/helpers.js";

const byDocNumber = (_q: string, d: string) => Number(/document (\d+)/.exec(d)?.[1] ?? 0) / 10;

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-interrupt-"));
  csv = await writeCsv(dir, syntheticRows(24, 3));
  await buildCli();
}, 60_000);
afterAll(() => cleanup());

async function linesOf(path: string): Promise<number> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter(Boolean).length;
}

const args = (endpoint: string, out: string) => [
  "run",
  "--dataset",
  csv,
  "--model",
  "m",
  "--provider",
  "vllm",
  "--endpoint",
  endpoint,
  "-j",
  "2",
  "--out",
  out,
];

describe("signals during run (real processes)", () => {
  it("SIGINT: the in-flight calls finish, report incomplete, one line with the resume command, exit 130; that command finishes the run", async () => {
    const server = await startFixedScoreServer({ score: byDocNumber, delayMs: 200 });
    try {
      const out = join(dir, "sigint");
      const run = startCli(args(server.endpoint, out), {}, { timeoutMs: 30_000 });
      while ((await linesOf(join(out, "results.jsonl"))) < 2) await sleep(20);
      run.child.kill("SIGINT");
      const r = await run.done;
      expect(r.code).toBe(130);
      const last = r.stderr.trim().split("\n").at(-1) ?? "";
      const match =
        /^rerank-eval: interrupted: (\d+) of 24 tasks done, report \(incomplete\): .*report\.md; continue with: (rerank-eval run --resume \S+)$/.exec(
          last,
        );
      expect(match, r.stderr).not.toBeNull();
      const done = Number(match?.[1]);
      expect(r.stderr).toContain("rerank-eval: SIGINT: stopping; the requests in flight have 10 s to finish");
      // Every request sent got its answer recorded: the calls in flight were let finish.
      expect(done).toBe(server.requests);
      expect(await linesOf(join(out, "results.jsonl"))).toBe(done);
      const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      expect(report.incomplete.missing).toHaveLength(24 - done);
      expect(existsSync(join(out, ".rerank-eval.lock"))).toBe(false);

      const command = (match?.[2] ?? "").split(" ").slice(1);
      const resumed = await spawnCli([...command, "--quiet"], {}, 30_000);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(server.requests).toBe(24);
      const finished = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      expect(finished.incomplete).toBeNull();
    } finally {
      await server.close();
    }
  }, 60_000);

  it("SIGTERM then a second signal: the hung calls are aborted at once, their tasks stay missing; exit 143", async () => {
    const server = await startFixedScoreServer({ score: byDocNumber, delayMs: 30_000 });
    try {
      const out = join(dir, "sigterm");
      const run = startCli(args(server.endpoint, out), {}, { timeoutMs: 30_000 });
      let stderr = "";
      run.child.stderr?.on("data", (d) => {
        stderr += d;
      });
      while (server.requests < 2) await sleep(20);
      run.child.kill("SIGTERM");
      while (!stderr.includes("SIGTERM: stopping")) await sleep(20);
      const second = performance.now();
      run.child.kill("SIGTERM");
      const r = await run.done;
      expect(r.code).toBe(143);
      expect(performance.now() - second).toBeLessThan(5_000);
      expect(r.stderr).toContain("rerank-eval: SIGTERM: aborting the requests in flight");
      expect(r.stderr.trim().split("\n").at(-1)).toMatch(
        /^rerank-eval: interrupted: 0 of 24 tasks done, .*continue with: rerank-eval run --resume /,
      );
      const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
      expect(report.failures.count).toBe(0);
      expect(report.incomplete.missing).toHaveLength(24);
      expect(existsSync(join(out, ".rerank-eval.lock"))).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);
});
