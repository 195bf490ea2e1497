/**
 * `load --help` lists only flags a load takes: the run's flags that an open loop refuses (resume,
 * concurrency, rps, the cache and its offline and refresh, baseline, config, the fail-fast rules,
 * complete) are hidden, and giving one
 * still fails in one line with its reason and exit 2, writing nothing.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildCli, expectRefusal, runCli, spawnCli } from "../helpers/cli.js";
import { EMBEDDED_LOAD } from "../load/helpers.js";
import { tempDir } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-load-help-"));
});
afterAll(() => cleanup());

const REFUSED: [string[], RegExp][] = [
  [["--resume", "x"], /--resume does not apply to load: a load is not resumable/],
  [["-j", "4"], /--concurrency\/-j does not apply to load: an open loop has no concurrency/],
  [["--concurrency", "4"], /--concurrency\/-j does not apply to load/],
  [["--rps", "5"], /--rps does not apply to load: use --rate/],
  [["--offline"], /--offline does not apply to load: a load makes its calls \(no cache\)/],
  [["--refresh"], /--refresh does not apply to load: a load makes its calls \(no cache\)/],
  [["--baseline", "x"], /--baseline does not apply to load: the steps are compared in order/],
  [["--config", "x.yaml"], /--config does not apply to load: give the flags/],
  [["--no-cache"], /--cache does not apply to load: a load never reads or writes the response cache/],
  [["--max-failures", "3"], /--max-failures does not apply to load: a load records every failure/],
  [["--no-fail-fast"], /--fail-fast does not apply to load: a load records every failure/],
  [["--complete"], /--complete does not apply to load: a step's quality is the mean over the answers/],
];

describe("load --help", () => {
  beforeAll(() => buildCli(), 60_000);

  it("does not list the run flags a load refuses, and still lists its own and the run's it takes", async () => {
    const r = await spawnCli(["load", "--help"], {});
    expect(r.code).toBe(0);
    for (const flag of [
      "--resume",
      "--concurrency",
      "--rps",
      "--offline",
      "--refresh",
      "--baseline",
      "--config",
      "--cache",
      "--max-failures",
      "--fail-fast",
      "--complete",
    ])
      expect(r.stdout).not.toMatch(new RegExp(`^\\s+${flag}\\b`, "m"));
    expect(r.stdout).not.toMatch(/^\s+-j,/m);
    for (const flag of [
      "--rate",
      "--max-in-flight",
      "--connections",
      "--dataset",
      "--endpoint",
      "--out",
      "--seed",
      "--overwrite",
    ])
      expect(r.stdout).toMatch(new RegExp(`^\\s+${flag}\\b`, "m"));
  });

  it.each(REFUSED)(
    "%j given anyway: one line with the reason, exit 2, nothing written",
    async (args, why) => {
      const out = join(dir, `refused-${Math.random().toString(36).slice(2)}`);
      expectRefusal(await runCli([...EMBEDDED_LOAD, "--rate", "10", ...args, "--out", out]), why, out);
    },
  );
});
