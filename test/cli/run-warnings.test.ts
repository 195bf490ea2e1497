/**
 * What a run says at its end: every warning of the report also on stderr, once, with the count
 * (0.1 kept them inside report.md, so a user saw an all-zero table and exit 0), and the last line
 * naming the report; an impossible concurrency is cut and said once.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { runCli } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("rerank-eval-warnings-")));
afterAll(() => cleanup());

describe("the end of a run", () => {
  it("prints each warning once on stderr with the count, and names the report on the last line", async () => {
    const out = join(dir, "j");
    const r = await runCli([
      "run",
      "--dataset",
      "datasets/tiny-beir",
      "--candidates",
      "datasets/tiny-beir/run.trec",
      "--model",
      "bm25",
      "--endpoint",
      "embedded",
      "-j",
      "100000",
      "--out",
      out,
      "--quiet",
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8")) as Report;
    expect(report.warnings.length).toBeGreaterThan(0);
    expect(report.config.concurrency).toBe(10);
    expect(report.conventions.loop).toContain("concurrency 10");
    expect(r.stderr).toMatch(
      new RegExp(`^rerank-eval: ${report.warnings.length} warnings? \\(also in report\\.md\\):$`, "m"),
    );
    for (const w of report.warnings) expect(r.stderr.split(w).length - 1, w).toBe(1);
    expect(r.stderr).toContain("concurrency 100000 is more than the run's 10 API tasks: ran at 10");
    expect(r.stdout.trimEnd().split("\n").at(-1)).toBe(`report: ${join(out, "report.md")}`);
  });

  it("a run without warnings prints none", async () => {
    const out = join(dir, "clean");
    const r = await runCli(["run", "--config", "examples/demo.yaml", "--out", out, "--quiet"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });
});
