/** The real SciFact collection from ../shared (absent on a fresh clone: then skipped, saying so). */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { SCIFACT } from "./helpers.js";

const present = existsSync(SCIFACT);
// When skipped, the reason is in the name, which the test log and .ci/run's list of skipped tests show.
const title = present
  ? `SciFact from ${SCIFACT}`
  : `SciFact (skipped: ${SCIFACT} is absent; it lives outside the repository)`;
if (!present) console.warn(`${title}`);

describe.skipIf(!present)(title, () => {
  it("loads 300 test queries, 339 judgements and 5,183 documents, with a stable fingerprint", async () => {
    const started = performance.now();
    const set = await loadEvalSet(SCIFACT);
    const ms = performance.now() - started;
    console.log(`SciFact full load (5,183 docs): ${ms.toFixed(0)} ms`);
    expect(set.queries.size).toBe(300);
    expect([...set.qrels.values()].reduce((n, judged) => n + judged.size, 0)).toBe(339);
    expect(set.docs.size).toBe(5183);
    expect(set.warnings).toEqual([]);
    expect(set.candidates).toBeUndefined();
    const again = await loadEvalSet(SCIFACT);
    expect(again.fingerprint).toBe(set.fingerprint);
    expect(set.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it("with the judged pool keeps only the judged documents", async () => {
    const started = performance.now();
    const set = await loadEvalSet(SCIFACT, { candidates: "qrels" });
    console.log(`SciFact judged-pool load: ${(performance.now() - started).toFixed(0)} ms`);
    expect(set.candidatesSource).toBe("qrels");
    expect(set.candidates?.size).toBe(300);
    expect([...(set.candidates?.values() ?? [])].reduce((n, ids) => n + ids.length, 0)).toBe(339);
    const judged = new Set([...set.qrels.values()].flatMap((j) => [...j.keys()]));
    expect(new Set(set.docs.keys())).toEqual(judged);
  });

  it("splits: train has 809 queries", async () => {
    const set = await loadEvalSet(SCIFACT, { split: "train" });
    expect(set.queries.size).toBe(809);
  });
});
