/** The trec_eval parity fixture (test/fixtures/trec-parity), shared by the library and CLI tests. */
import { readFileSync } from "node:fs";

export const PARITY_DIR = new URL("../fixtures/trec-parity/", import.meta.url).pathname;
export const PARITY_QRELS = `${PARITY_DIR}qrels.txt`;
export const PARITY_RUN = `${PARITY_DIR}run.txt`;

/** trec_eval 10's own rows for the fixture: [measure, qid, value] (README: -c, -l 2 for @rel2, -M 10 for recip_rank@10). */
export const EXPECTED_ROWS: Array<[string, string, string]> = readFileSync(
  `${PARITY_DIR}expected.tsv`,
  "utf8",
)
  .trim()
  .split("\n")
  .map((l) => l.split("\t") as [string, string, string]);

const PLAIN: Record<string, string> = {
  map: "AP",
  recip_rank: "RR",
  ndcg: "nDCG",
  num_rel: "NumRel",
  num_rel_ret: "NumRelRet",
};
const CUT: Record<string, string> = {
  P: "P",
  recall: "R",
  ndcg_cut: "nDCG",
  map_cut: "AP",
  success: "Success",
};

/** A fixture measure name (trec_eval's, with the README's @rel2 / @10 suffixes) → our canonical name. */
export function canonicalName(trecName: string): string {
  const rel2 = trecName.endsWith("@rel2");
  const name = rel2 ? trecName.slice(0, -"@rel2".length) : trecName;
  const rel = rel2 ? "(rel=2)" : "";
  if (name === "recip_rank@10") return `RR${rel}@10`;
  if (PLAIN[name]) return PLAIN[name] + rel;
  const m = /^(\w+?)_(\d+)$/.exec(name);
  if (!m || !CUT[m[1]]) throw new Error(`fixture measure ${trecName} not mapped`);
  return `${CUT[m[1]]}${rel}@${m[2]}`;
}

/** Every measure the fixture has, canonical names, in first-seen order. */
export const PARITY_MEASURES = [...new Set(EXPECTED_ROWS.map((r) => canonicalName(r[0])))];
