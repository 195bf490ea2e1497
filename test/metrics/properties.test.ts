import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  byteJudgements,
  judgeBlock,
  judgeRanking,
  prepareJudgements,
  scoreRun,
} from "../../src/metrics/index.js";
import { hashIdBytes, type Ranking, type RunBlock, sortTrec } from "../../src/trec/index.js";
import { POOL, ranked } from "../helpers/rankings.js";

const judged = fc
  .dictionary(fc.constantFrom(...POOL), fc.integer({ min: -1, max: 3 }), { minKeys: 1 })
  .map((d) => new Map(Object.entries(d)));
const KS = [1, 3, 5, 10];
const UNIT_MEASURES = [
  "nDCG",
  "RR",
  "AP",
  ...KS.flatMap((k) => [
    `nDCG@${k}`,
    `RR@${k}`,
    `AP@${k}`,
    `R@${k}`,
    `P@${k}`,
    `Success@${k}`,
    `Judged@${k}`,
    `nDCG@${k}(exp)`,
  ]),
];

const score = (j: Map<string, number>, r: Ranking, measures = UNIT_MEASURES, level = 1) =>
  scoreRun(new Map([["q", j]]), new Map([["q", r]]), measures, { relevanceLevel: level }).perQuery.q;

function shuffled(r: Ranking, seed: number): Ranking {
  const idx = r.docIds.map((_, i) => i);
  for (let i = idx.length - 1, s = seed; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return { docIds: idx.map((i) => r.docIds[i]), scores: idx.map((i) => r.scores[i]) };
}

function blockOf(r: Ranking): RunBlock {
  const enc = new TextEncoder();
  const parts = r.docIds.map((d) => enc.encode(d));
  const idStart = new Int32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) idStart[i + 1] = idStart[i] + parts[i].length;
  const idBytes = new Uint8Array(idStart[parts.length]);
  for (let i = 0; i < parts.length; i++) idBytes.set(parts[i], idStart[i]);
  const idHash = Int32Array.from(parts, (_, i) => hashIdBytes(idBytes, idStart[i], idStart[i + 1]));
  return { qid: "q", n: parts.length, scores: Float64Array.from(r.scores), idBytes, idStart, idHash };
}

describe("measure properties", () => {
  it("every rate measure is in [0, 1]", () => {
    fc.assert(
      fc.property(judged, ranked, fc.integer({ min: 0, max: 3 }), (j, r, level) => {
        for (const v of Object.values(score(j, r, UNIT_MEASURES, level))) expect(v >= 0 && v <= 1).toBe(true);
      }),
    );
  });

  it("values do not depend on the order the ranking is given in", () => {
    fc.assert(
      fc.property(judged, ranked, fc.nat(), (j, r, seed) => {
        expect(score(j, shuffled(r, seed))).toEqual(score(j, r));
      }),
    );
  });

  it("P@k·k = R@k·R when R > 0, Success@k = [R@k > 0], and RR ≤ Success", () => {
    fc.assert(
      fc.property(judged, ranked, (j, r) => {
        const R = [...j.values()].filter((g) => g >= 1).length;
        const v = score(j, r);
        for (const k of KS) {
          if (R > 0) expect(v[`P@${k}`] * k).toBeCloseTo(v[`R@${k}`] * R, 12);
          expect(v[`Success@${k}`]).toBe(v[`P@${k}`] > 0 ? 1 : 0);
          expect(v[`RR@${k}`]).toBeLessThanOrEqual(v[`Success@${k}`]);
          expect(v[`AP@${k}`]).toBeLessThanOrEqual(v.AP + 1e-15);
        }
      }),
    );
  });

  it("count-based ranks == full-sort ranks == byte-block ranks", () => {
    fc.assert(
      fc.property(judged, ranked, (j, r) => {
        const prepared = prepareJudgements(j);
        const counted = judgeRanking(r, prepared, 1, "count");
        expect(judgeRanking(r, prepared, 1, "sort")).toEqual(counted);
        const bj = byteJudgements(prepared);
        expect(judgeBlock(blockOf(r), bj, 1, "count")).toEqual(counted);
        expect(judgeBlock(blockOf(r), bj, 1, "sort")).toEqual(counted);
        // A ranking handed over in trec order with no tied scores takes the positional path: same ranks.
        const inOrder = sortTrec(r);
        if (Array.from(inOrder.scores).every((x, i) => i === 0 || x < inOrder.scores[i - 1])) {
          expect(judgeRanking(inOrder, prepared, 1)).toEqual(counted);
          expect(judgeRanking(inOrder, prepared, 1, "ordered")).toEqual(counted);
        }
        // Distinct scores that keep the trec order: every ranking reaches the positional path.
        const n = inOrder.docIds.length;
        const distinct = { docIds: inOrder.docIds, scores: inOrder.docIds.map((_, i) => n - i) };
        expect(judgeRanking(distinct, prepared, 1)).toEqual(counted);
        // And each rank is the position in sortTrec's order.
        const order = sortTrec(r).docIds;
        const judgedInOrder = order.map((d, i) => [d, i + 1] as const).filter(([d]) => j.has(d));
        expect(Array.from(counted.ranks)).toEqual(judgedInOrder.map(([, rank]) => rank));
      }),
    );
  });
});

/**
 * metrics.md read literally, on the list sorted by the trec rule with Buffer.compare: an oracle that
 * shares nothing with the kernels (no judged ranking, no rank counting).
 */
function reference(j: Map<string, number>, r: Ranking, level: number): Record<string, number> {
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const ids = r.docIds
    .map((id, i) => [id, r.scores[i]] as const)
    .sort((a, b) => b[1] - a[1] || byBytes(b[0], a[0]))
    .map(([id]) => id);
  const isRel = (d: string) => (j.get(d) ?? Number.NEGATIVE_INFINITY) >= level;
  const R = [...j.values()].filter((g) => g >= level).length;
  const ideal = [...j.values()].filter((g) => g > 0).sort((a, b) => b - a);
  const out: Record<string, number> = {};
  for (const k of [...KS, Number.POSITIVE_INFINITY]) {
    const at = k === Number.POSITIVE_INFINITY ? "" : `@${k}`;
    const top = ids.slice(0, k);
    const hits = top.filter(isRel).length;
    const dcg = (gains: number[]) => gains.reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
    const idcg = dcg(ideal.slice(0, k));
    out[`nDCG${at}`] = idcg === 0 ? 0 : dcg(top.map((d) => Math.max(j.get(d) ?? 0, 0))) / idcg;
    const first = top.findIndex(isRel);
    out[`RR${at}`] = first < 0 ? 0 : 1 / (first + 1);
    let seen = 0;
    let sum = 0;
    top.forEach((d, i) => {
      if (isRel(d)) sum += ++seen / (i + 1);
    });
    out[`AP${at}`] = R === 0 ? 0 : sum / R;
    if (at === "") continue;
    out[`R${at}`] = R === 0 ? 0 : hits / R;
    out[`P${at}`] = hits / k;
    out[`Success${at}`] = hits > 0 ? 1 : 0;
    out[`Judged${at}`] = top.length === 0 ? 0 : top.filter((d) => j.has(d)).length / top.length;
    const expIdcg = dcg(ideal.slice(0, k).map((g) => 2 ** g - 1));
    out[`nDCG${at}(exp)`] =
      expIdcg === 0 ? 0 : dcg(top.map((d) => 2 ** Math.max(j.get(d) ?? 0, 0) - 1)) / expIdcg;
  }
  return out;
}

describe("measures against metrics.md read literally", () => {
  it("every measure equals the oracle's value, at every relevance level", () => {
    fc.assert(
      fc.property(judged, ranked, fc.integer({ min: 0, max: 3 }), (j, r, level) => {
        const got = score(j, r, UNIT_MEASURES, level);
        const want = reference(j, r, level);
        for (const name of UNIT_MEASURES) expect(got[name], name).toBeCloseTo(want[name], 12);
      }),
      { numRuns: 300 },
    );
  });
});
