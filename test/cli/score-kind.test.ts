/**
 * What a run records about its scores: the embedded server's BM25 gives scores such as 2.2, which
 * results.jsonl must not label probabilities (a reader would threshold or merge them as such).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, runCli } from "../helpers/cli.js";

describe("score kind in a run's records", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "score-kind-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("run --endpoint embedded --model bm25 records no probability", async () => {
    const out = join(dir, "run");
    const run = await runCli(
      [
        "run",
        "--dataset",
        `${REPO}datasets/capitals.csv`,
        "--model",
        "bm25",
        "--endpoint",
        "embedded",
        "--quiet",
        "--out",
        out,
      ],
      {},
    );
    expect(run.code, run.stderr).toBe(0);
    const records = (await readFile(join(out, "results.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { scoreKind?: string; ranking?: [string, number][] });
    expect(records.length).toBeGreaterThan(0);
    // BM25 really does go past 1 here, so "probability" would be false, not merely unproven.
    expect(Math.max(...records.flatMap((r) => (r.ranking ?? []).map(([, score]) => score)))).toBeGreaterThan(
      1,
    );
    for (const r of records) expect(["unknown", "relative"]).toContain(r.scoreKind);
  });
});
