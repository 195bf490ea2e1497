/**
 * Synthetic payloads (--docs N --doc-bytes B --seed S): a seeded BEIR folder written to a temporary
 * directory and loaded like any set, so the load goes through the same plan, client and report.
 * Its texts are random words from a small vocabulary and its labels arbitrary (one document per
 * query graded 1): the quality figures of a synthetic load say nothing about a model.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wordStream } from "../metrics/stats/rng.js";

export interface SyntheticSpec {
  docs: number;
  docBytes: number;
  seed: number;
  /** Distinct queries cycled through (default 10). */
  queries?: number;
}

const VOCABULARY = (
  "river mountain city ocean forest desert island valley lake bridge tower garden market school " +
  "station harbor castle temple museum library theatre stadium airport factory village capital " +
  "north south east west ancient modern largest smallest highest longest oldest famous known"
).split(" ");

/** Writes the set; returns its folder and a function removing it. */
export async function writeSyntheticSet(
  spec: SyntheticSpec,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const word = wordStream(spec.seed, 12);
  const pick = () => VOCABULARY[word() % VOCABULARY.length];
  const text = (bytes: number) => {
    const words: string[] = [];
    let length = -1;
    while (length < bytes) {
      const w = pick();
      words.push(w);
      length += w.length + 1;
    }
    return words.join(" ").slice(0, bytes);
  };
  const root = await mkdtemp(join(tmpdir(), "rerank-eval-load-"));
  const path = join(root, `synthetic-${spec.docs}x${spec.docBytes}-seed${spec.seed}`);
  await mkdir(join(path, "qrels"), { recursive: true });
  const queries = spec.queries ?? 10;
  const corpus: string[] = [];
  for (let d = 0; d < spec.docs; d++)
    corpus.push(JSON.stringify({ _id: `d${d}`, text: text(spec.docBytes) }));
  const qs: string[] = [];
  const qrels = ["query-id\tcorpus-id\tscore"];
  for (let q = 0; q < queries; q++) {
    qs.push(JSON.stringify({ _id: `q${q}`, text: `${pick()} ${pick()} ${pick()}` }));
    const relevant = word() % spec.docs;
    for (let d = 0; d < spec.docs; d++) qrels.push(`q${q}\td${d}\t${d === relevant ? 1 : 0}`);
  }
  await writeFile(join(path, "corpus.jsonl"), `${corpus.join("\n")}\n`);
  await writeFile(join(path, "queries.jsonl"), `${qs.join("\n")}\n`);
  await writeFile(join(path, "qrels", "test.tsv"), `${qrels.join("\n")}\n`);
  return { path, remove: () => rm(root, { recursive: true, force: true }) };
}
