/**
 * Reading report.json back: any report is checked against the schema with one line naming the
 * first wrong field; rerank-eval 0.1.0's schema-1 reports are migrated, not refused.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { parseReport, readReport } from "../../src/report/read.js";
import { tempDir } from "../run/helpers.js";
import { report } from "./fixtures.js";

const V1 = new URL("../fixtures/demo-v0.1/report.json", import.meta.url).pathname;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir("rerank-eval-read-")));
afterAll(() => cleanup());

describe("readReport", () => {
  it("reads a report it wrote back to an equal object", async () => {
    const r = report();
    const path = join(dir, "report.json");
    await writeFile(path, JSON.stringify(r));
    expect(await readReport(path)).toEqual(JSON.parse(JSON.stringify(r)));
  });

  it("migrates a schema-1 report: notes by text become notes by code with their wording", async () => {
    const r = await readReport(V1);
    expect(r.schemaVersion).toBe(2);
    expect(r.incomplete).toBeNull();
    const v = r.variants.find((x) => x.id === "bm25.top10");
    expect(v?.notes["top_n clamped 10->8"]).toEqual({ queries: 5, details: { "top_n clamped 10->8": 5 } });
    expect(v?.metrics["nDCG@10"].mean).toBeCloseTo(0.8565, 4);
  });

  it("names the wrong field, the unknown version, and a file that is not JSON", async () => {
    const base = JSON.parse(JSON.stringify(report()));
    const cases: [unknown, RegExp][] = [
      [
        { ...base, variants: [{ ...base.variants[0], topN: "two" }] },
        /^r\.json: field 'variants\.0\.topN': /,
      ],
      [{ ...base, failures: { ...base.failures, count: -1 } }, /^r\.json: field 'failures\.count': /],
      [{ ...base, measures: undefined }, /^r\.json: field 'measures': /],
      [
        { ...base, schemaVersion: 7 },
        /^r\.json: field 'schemaVersion': schemaVersion 7 is not one this version reads/,
      ],
      [[], /^r\.json: field 'schemaVersion'/],
    ];
    for (const [value, message] of cases) {
      let err: unknown;
      try {
        parseReport(value, "r.json");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toMatch(message);
    }
    const path = join(dir, "broken.json");
    await writeFile(path, "{ not json");
    await expect(readReport(path)).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(readReport(join(dir, "none.json"))).rejects.toThrow(/none\.json: no such file/);
  });
});
