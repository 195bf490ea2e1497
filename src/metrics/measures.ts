import { UsageError } from "../errors.js";
import { averagePrecision } from "./measures/ap.js";
import { numRel, numRelRet } from "./measures/counts.js";
import { judgedShare } from "./measures/judged.js";
import { ndcg } from "./measures/ndcg.js";
import { precision } from "./measures/precision.js";
import { recall } from "./measures/recall.js";
import { reciprocalRank } from "./measures/rr.js";
import { success } from "./measures/success.js";
import type { JudgedRanking, Measure, MeasureKind } from "./types.js";

/** Lower-cased ir_measures base names (and a few common spellings) → kind. */
const BASE: Record<string, MeasureKind> = {
  ndcg: "nDCG",
  rr: "RR",
  mrr: "RR",
  ap: "AP",
  r: "R",
  recall: "R",
  p: "P",
  success: "Success",
  judged: "Judged",
  numrel: "NumRel",
  numrelret: "NumRelRet",
};

/** trec_eval names (`.` or `_` before the cut-off) → ir_measures kind. */
const TREC_CUT: Record<string, MeasureKind> = {
  ndcg_cut: "nDCG",
  map_cut: "AP",
  P: "P",
  recall: "R",
  success: "Success",
};
const TREC_PLAIN: Record<string, MeasureKind> = {
  ndcg: "nDCG",
  recip_rank: "RR",
  map: "AP",
  num_rel: "NumRel",
  num_rel_ret: "NumRelRet",
};

const NEEDS_K = new Set<MeasureKind>(["P", "R", "Success", "Judged"]);
const NO_K = new Set<MeasureKind>(["NumRel", "NumRelRet"]);
/** nDCG uses grades, not a relevance level; Judged ignores grades. */
const NO_REL = new Set<MeasureKind>(["nDCG", "Judged"]);

export const KNOWN_MEASURES =
  "nDCG@k, nDCG, nDCG@k(exp), RR, RR@k, AP, AP@k, R@k, P@k, Success@k, Judged@k, NumRel, NumRelRet " +
  "(relevance per measure: AP(rel=2), P(rel=2)@10; trec_eval names: ndcg_cut.k, ndcg, recip_rank, map, " +
  "map_cut.k, P.k, recall.k, success.k, num_rel, num_rel_ret; cut-off lists as in trec_eval: P.5,10)";

/** trec_eval's cut-offs for a measure named without any (`-m P` is P_5 … P_1000). */
const TREC_DEFAULT_CUTS: Record<string, number[]> = {
  P: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  recall: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  ndcg_cut: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  map_cut: [5, 10, 15, 20, 30, 100, 200, 500, 1000],
  success: [1, 5, 10],
};

/**
 * trec_eval prints measures in the order of its measure table (measures.c), not as asked, and each
 * measure's cut-offs ascending; these are the base names of the measures it shares with us.
 */
const TREC_TABLE_ORDER = [
  "num_rel",
  "num_rel_ret",
  "map",
  "recip_rank",
  "P",
  "recall",
  "ndcg",
  "ndcg_cut",
  "map_cut",
  "success",
];

/**
 * Parses "nDCG@10,RR@10,AP" (or an array of names) into measures; duplicates are dropped. trec_eval's
 * spellings are read as trec_eval reads them: `P.5,10` is P_5 and P_10 (a bare number continues the
 * cut-offs of the measure before it), and `P` alone is its default cut-offs.
 */
export function parseMeasures(spec: string | string[]): Measure[] {
  const names = (Array.isArray(spec) ? spec : [spec]).flatMap(expandTrecParams);
  if (names.length === 0) throw new UsageError("no measure given");
  const out: Measure[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const m = parseMeasure(name);
    if (!seen.has(m.name)) {
      seen.add(m.name);
      out.push(m);
    }
  }
  return out;
}

/** One comma-separated spec as single measure names, trec_eval's parameter lists spelt out. */
function expandTrecParams(spec: string): string[] {
  const out: string[] = [];
  let base: string | undefined;
  for (const piece of spec.split(",").map((s) => s.trim())) {
    if (piece === "") continue;
    if (base !== undefined && /^\d+$/.test(piece)) {
      out.push(`${base}.${piece}`);
      continue;
    }
    const trec = /^([A-Za-z_]+?)\.\d+$/.exec(piece);
    base = trec && own(TREC_CUT, trec[1]) ? trec[1] : undefined;
    const cuts = own(TREC_DEFAULT_CUTS, piece);
    if (cuts) out.push(...cuts.map((k) => `${piece}.${k}`));
    else out.push(piece);
  }
  return out;
}

export function parseMeasure(text: string): Measure {
  const trec = /^([A-Za-z_]+?)[._](\d+)$/.exec(text);
  const cutKind = trec ? own(TREC_CUT, trec[1]) : undefined;
  if (trec && cutKind)
    return { ...make(text, cutKind, Number(trec[2])), trecName: `${trec[1]}_${Number(trec[2])}` };
  const plainKind = own(TREC_PLAIN, text);
  if (plainKind) return { ...make(text, plainKind), trecName: text };
  const ir = /^([A-Za-z]+)(?:\(rel=(-?\d+)\))?(?:@(\d+))?(\(exp\))?$/.exec(text);
  const kind = ir ? own(BASE, ir[1].toLowerCase()) : undefined;
  if (!ir || !kind) throw new UsageError(`unknown measure '${text}' (known: ${KNOWN_MEASURES})`);
  const k = ir[3] === undefined ? undefined : Number(ir[3]);
  const rel = ir[2] === undefined ? undefined : Number(ir[2]);
  if (ir[4] && kind !== "nDCG") throw new UsageError(`measure '${text}': (exp) applies to nDCG only`);
  return make(text, kind, k, rel, ir[4] ? "exp" : undefined);
}

/** Measures named the trec_eval way, in the order trec_eval prints them: its table's, cut-offs ascending. */
export function inTrecEvalOrder(measures: Measure[]): Measure[] {
  const rank = (m: Measure) => TREC_TABLE_ORDER.indexOf((m.trecName ?? "").replace(/_\d+$/, ""));
  return [...measures].sort((a, b) => rank(a) - rank(b) || (a.k ?? 0) - (b.k ?? 0));
}

/** A table lookup that never finds Object.prototype's members ('constructor' is not a measure). */
function own<T>(table: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function make(text: string, kind: MeasureKind, k?: number, rel?: number, gain?: "exp"): Measure {
  if (k !== undefined && k < 1) throw new UsageError(`measure '${text}': the cut-off must be at least 1`);
  if (k === undefined && NEEDS_K.has(kind))
    throw new UsageError(`measure '${text}' needs a cut-off, e.g. ${kind}@10`);
  if (k !== undefined && NO_K.has(kind)) throw new UsageError(`measure '${text}' takes no cut-off`);
  if (rel !== undefined && NO_REL.has(kind))
    throw new UsageError(`measure '${text}' takes no relevance level`);
  const name = `${kind}${rel === undefined ? "" : `(rel=${rel})`}${k === undefined ? "" : `@${k}`}${gain ? "(exp)" : ""}`;
  const aggregate = NO_K.has(kind) ? "sum" : "mean";
  const m: Measure = { name, kind, aggregate };
  if (k !== undefined) m.k = k;
  if (rel !== undefined) m.rel = rel;
  if (kind === "nDCG") m.gain = gain ?? "linear";
  return m;
}

/** The measure's value for one query (q prepared at the measure's relevance level). */
export function measureValue(m: Measure, q: JudgedRanking): number {
  const k = m.k ?? Number.POSITIVE_INFINITY;
  switch (m.kind) {
    case "nDCG":
      return ndcg(q, k, m.gain === "exp");
    case "RR":
      return reciprocalRank(q, k);
    case "AP":
      return averagePrecision(q, k);
    case "R":
      return recall(q, k);
    case "P":
      return precision(q, k);
    case "Success":
      return success(q, k);
    case "Judged":
      return judgedShare(q, k);
    case "NumRel":
      return numRel(q);
    case "NumRelRet":
      return numRelRet(q);
  }
}
