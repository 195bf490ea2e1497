/**
 * The library's entry point takes partial options, as a config file would hold them, with the
 * CLI's defaults, checked by the same schema; its errors name the option, never a CLI flag.
 * (0.1.0 threw "TypeError: Cannot read properties of undefined (reading 'map')" here.)
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { runEvaluation } from "../../src/index.js";
import { tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("rerank-eval-library-")));
afterAll(() => cleanup());

describe("runEvaluation with partial options", () => {
  it("runs with only a dataset and a model, filling the CLI's defaults", async () => {
    const out = join(dir, "partial");
    const { report, outDir } = await runEvaluation(
      { dataset: "datasets/capitals.csv", models: [{ name: "bm25", endpoint: "embedded" }], out },
      { quiet: true, env: {} },
    );
    expect(outDir).toBe(out);
    expect(report.config.k).toEqual([1, 3, 5, 10]);
    expect(report.config.concurrency).toBe(8);
    expect(report.config.complete).toBe(true);
    expect(report.variants.map((v) => v.id)).toEqual(["bm25"]);
    expect(report.variants[0].metrics["nDCG@10"].mean).toBeGreaterThan(0.5);
  });

  it("names the option that is wrong or missing, never a flag", async () => {
    const cases: [Parameters<typeof runEvaluation>[0], RegExp][] = [
      [{ dataset: "datasets/capitals.csv" } as never, /^field 'models': needs at least one model/],
      [{ models: ["bm25"] } as never, /^field 'dataset': is required/],
      [
        { dataset: "datasets/capitals.csv", models: ["bm25"], topN: 0 },
        /^field 'topN': must be a positive integer, got 0$/,
      ],
      [
        { dataset: "datasets/capitals.csv", models: ["bm25"], concurency: 4 } as never,
        /^field 'concurency': unknown key$/,
      ],
    ];
    for (const [config, message] of cases) {
      const err = await runEvaluation(config, { quiet: true, env: {} }).catch((e) => e);
      expect(err, JSON.stringify(config)).toBeInstanceOf(InputError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toMatch(/--/);
    }
  });
});
