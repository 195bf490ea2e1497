/**
 * The effective concurrency in the report: every record carries the limit its task started under,
 * so report.json's `concurrency` (ceiling, lowest, timeline) and report.md's line are rebuilt by
 * `report DIR` exactly; against a server that answers 429 beyond 4 requests in flight, a run at
 * -j 16 halves its limit (the client reports each 429 through RerankOptions.onRateLimited).
 */
import { readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rebuildReport } from "../../src/report/rebuild.js";
import { resolveRunOptions } from "../../src/run/config.js";
import { runEvaluation } from "../../src/run/index.js";
import { startFixedScoreServer, syntheticRows, tempDir, writeCsv } from "./helpers.js";

/** A provider that allows `cap` requests in flight and answers 429 (retry after 30 ms) beyond. */
async function cappedServer(cap: number, delayMs: number) {
  let inFlight = 0;
  const state = { rejected: 0, answered: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      if (inFlight >= cap) {
        state.rejected++;
        res.writeHead(429, { "content-type": "application/json", "retry-after-ms": "30" });
        res.end(JSON.stringify({ error: { message: "too many requests in flight" } }));
        return;
      }
      inFlight++;
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { documents: string[] };
      setTimeout(() => {
        inFlight--;
        state.answered++;
        const results = body.documents.map((_, index) => ({ index, relevance_score: 1 / (index + 1) }));
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ id: "x", results }));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rerank`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-concurrency-"));
  csv = await writeCsv(dir, syntheticRows(60, 3));
});
afterAll(() => cleanup());

describe("the effective concurrency in the report", () => {
  it("a steady run: its -j throughout, in report.json and report.md, rebuilt the same by report DIR", async () => {
    const server = await startFixedScoreServer({ score: (_q, d) => d.length, delayMs: 5 });
    try {
      const out = join(dir, "steady");
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["m"],
        concurrency: 3,
        provider: "vllm",
        endpoint: server.endpoint,
        out,
      });
      const { report } = await runEvaluation(options, { quiet: true });
      expect(report.concurrency?.max).toBe(3);
      expect(report.concurrency?.min).toBe(3);
      expect(report.concurrency?.timeline).toHaveLength(1);
      expect(report.concurrency?.timeline[0].limit).toBe(3);
      const md = await readFile(join(out, "report.md"), "utf8");
      expect(md).toContain("Concurrency: 3 requests in flight at most, throughout.");
      const rebuilt = await rebuildReport(out, { toolVersion: "test" });
      expect(rebuilt.report.concurrency).toEqual(report.concurrency);

      // A folder whose records do not say (an older version's): no figure is made up.
      const results = join(out, "results.jsonl");
      const lines = (await readFile(results, "utf8")).split("\n").filter(Boolean);
      const stripped = lines.map((l) => {
        const { concurrency: _, ...rest } = JSON.parse(l);
        return JSON.stringify(rest);
      });
      await writeFile(results, `${stripped.join("\n")}\n`);
      const older = await rebuildReport(out, { toolVersion: "test" });
      expect(older.report.concurrency).toBeNull();
      expect(await readFile(join(out, "report.md"), "utf8")).not.toContain("Concurrency:");
    } finally {
      await server.close();
    }
  });

  it("429s beyond 4 in flight: a run at -j 16 halves its limit, and the report shows it", async () => {
    const capped = await cappedServer(4, 20);
    try {
      const out = join(dir, "capped");
      const options = resolveRunOptions(undefined, {
        dataset: csv,
        model: ["m"],
        concurrency: 16,
        retries: 10,
        provider: "vllm",
        endpoint: capped.endpoint,
        out,
      });
      const { report } = await runEvaluation(options, { quiet: true });
      expect(capped.state.rejected).toBeGreaterThan(0);
      expect(report.concurrency?.max).toBe(16);
      expect(report.concurrency?.min).toBeLessThanOrEqual(8);
      expect(report.concurrency?.timeline.length).toBeGreaterThan(1);
      const md = await readFile(join(out, "report.md"), "utf8");
      expect(md).toMatch(/Concurrency: adaptive, between \d+ and 16 requests in flight/);
      const rebuilt = await rebuildReport(out, { toolVersion: "test" });
      expect(rebuilt.report.concurrency).toEqual(report.concurrency);
    } finally {
      await capped.close();
    }
  });
});
