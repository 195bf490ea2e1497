/** Judging a run block (src/trec/run-block.ts) against one query's judgements: judgeRanking, byte level. */
import { blockTrecOrder, compareBlockIds, hashIdBytes, type RunBlock } from "../trec/run-block.js";
import { assemble, COUNT_PATH_MAX_JUDGED, type Judgements } from "./judged-ranking.js";
import type { JudgedRanking } from "./types.js";

/** The judgements of a query keyed by id bytes: an open-addressing table on the FNV hash. */
export interface ByteJudgements {
  judgements: Judgements;
  bytes: Uint8Array[];
  hashes: Int32Array;
  /** slot → judged index + 1 (0 = empty). */
  table: Int32Array;
  mask: number;
}

const encoder = new TextEncoder();

export function byteJudgements(judgements: Judgements): ByteJudgements {
  const m = judgements.ids.length;
  let size = 8;
  while (size < m * 2) size *= 2;
  const mask = size - 1;
  const table = new Int32Array(size);
  const bytes = judgements.ids.map((id) => encoder.encode(id));
  const hashes = new Int32Array(m);
  for (let t = 0; t < m; t++) {
    hashes[t] = hashIdBytes(bytes[t], 0, bytes[t].length);
    let slot = hashes[t] & mask;
    while (table[slot] !== 0) slot = (slot + 1) & mask;
    table[slot] = t + 1;
  }
  return { judgements, bytes, hashes, table, mask };
}

function findJudged(b: RunBlock, i: number, bj: ByteJudgements): number {
  const h = b.idHash[i];
  const start = b.idStart[i];
  const len = b.idStart[i + 1] - start;
  for (let slot = h & bj.mask; bj.table[slot] !== 0; slot = (slot + 1) & bj.mask) {
    const t = bj.table[slot] - 1;
    if (bj.hashes[t] !== h) continue;
    const id = bj.bytes[t];
    if (id.length !== len) continue;
    let k = 0;
    while (k < len && id[k] === b.idBytes[start + k]) k++;
    if (k === len) return t;
  }
  return -1;
}

/** Does entry i sort before entry t under the trec rule? */
function before(b: RunBlock, i: number, t: number): boolean {
  const x = b.scores[i];
  const s = b.scores[t];
  return x > s || (x === s && i !== t && compareBlockIds(b, i, t) > 0);
}

/** judgeRanking for a byte block: same result, no strings and (usually) no sort. */
export function judgeBlock(
  b: RunBlock,
  bj: ByteJudgements,
  level: number,
  path?: "count" | "sort",
): JudgedRanking {
  const n = b.n;
  const found: number[] = [];
  const grades: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = findJudged(b, i, bj);
    if (t >= 0) {
      found.push(i);
      grades.push(bj.judgements.grades[t]);
    }
  }
  const f = found.length;
  const ranks = new Int32Array(f);
  if (path ? path === "count" : f <= COUNT_PATH_MAX_JUDGED) {
    for (let q = 0; q < f; q++) {
      let count = 0;
      for (let i = 0; i < n; i++) if (before(b, i, found[q])) count++;
      ranks[q] = count + 1;
    }
  } else {
    const order = blockTrecOrder(b);
    const rankOf = new Int32Array(n);
    for (let p = 0; p < n; p++) rankOf[order[p]] = p + 1;
    for (let q = 0; q < f; q++) ranks[q] = rankOf[found[q]];
  }
  return assemble(ranks, Int32Array.from(grades), n, bj.judgements, level);
}
