/**
 * Ctrl-C while a big set loads: the readers check the stop signal between chunks, so loading ends at
 * once with Interrupted (exit 130/143 in the CLI) instead of reading the file to its end first.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadEvalSet } from "../../src/datasets/index.js";
import { Interrupted } from "../../src/errors.js";
import { runLoad } from "../../src/load/index.js";
import { retrieveBeir } from "../../src/retrieval/retrieve.js";
import { RunStop } from "../../src/run/interrupt.js";

let dir: string;
let csv: string;
let beir: string;
const ROWS = 40_000; // ~8 MB: about 130 chunks of 64 KB, far more than one read

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rerank-eval-stop-"));
  const text = "lorem ipsum dolor sit amet ".repeat(7);
  csv = join(dir, "big.csv");
  const rows = ["query_id,query,doc_id,document,label"];
  for (let i = 0; i < ROWS; i++) rows.push(`q${i % 2000},query ${i % 2000},d${i},${text}${i},${i % 3}`);
  writeFileSync(csv, `${rows.join("\n")}\n`);
  beir = join(dir, "beir");
  mkdirSync(join(beir, "qrels"), { recursive: true });
  const corpus: string[] = [];
  for (let i = 0; i < ROWS; i++)
    corpus.push(JSON.stringify({ _id: `d${i}`, title: "", text: `${text}${i}` }));
  writeFileSync(join(beir, "corpus.jsonl"), `${corpus.join("\n")}\n`);
  writeFileSync(join(beir, "queries.jsonl"), `${JSON.stringify({ _id: "q1", text: "lorem" })}\n`);
  writeFileSync(join(beir, "qrels", "test.tsv"), "query-id\tcorpus-id\tscore\nq1\td1\t1\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Starts `work`, calls `stop` once it is under way (15 ms in), and returns what it rejected with
 * ("finished" when it did not).
 */
async function stopped(work: () => Promise<unknown>, stop: () => void): Promise<unknown> {
  const pending = work();
  setTimeout(stop, 15);
  return pending.then(
    () => "finished",
    (err: unknown) => err,
  );
}

/** `stopped` by an AbortController that `work` is given the signal of, aborted with `reason`. */
function aborted(work: (signal: AbortSignal) => Promise<unknown>, reason: string): Promise<unknown> {
  const controller = new AbortController();
  return stopped(
    () => work(controller.signal),
    () => controller.abort(reason),
  );
}

describe("stopping a load half-way", () => {
  it("a CSV set stops with Interrupted naming the file and the signal", async () => {
    const err = await aborted((signal) => loadEvalSet(csv, { signal }), "SIGINT");
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Interrupted).signal).toBe("SIGINT");
    expect((err as Interrupted).message).toBe(`stopped while reading ${csv}`);
  });

  it("a BEIR set and a BM25 first stage stop the same way (SIGTERM)", async () => {
    for (const work of [
      (signal: AbortSignal) => loadEvalSet(beir, { candidates: "qrels", signal }),
      (signal: AbortSignal) => retrieveBeir(beir, { signal }),
    ]) {
      const err = await aborted(work, "SIGTERM");
      expect(err).toBeInstanceOf(Interrupted);
      expect((err as Interrupted).signal).toBe("SIGTERM");
    }
  });

  it("a reason that is not a signal's name is thrown as it is; no signal loads the whole set", async () => {
    const why = new Error("caller gave up");
    const controller = new AbortController();
    controller.abort(why);
    await expect(loadEvalSet(csv, { signal: controller.signal })).rejects.toBe(why);
    const set = await loadEvalSet(csv, { signal: new AbortController().signal });
    expect(set.docs.size).toBe(ROWS);
  });
});

describe("a load stopped while its set loads", () => {
  it("ends the reading with Interrupted and writes nothing", async () => {
    const out = join(dir, "load-out");
    const stop = new RunStop(0);
    const err = await stopped(
      () =>
        runLoad(
          { dataset: csv, endpoint: "embedded", model: ["bm25"], out },
          {
            rates: [10],
            arrival: "constant",
            seed: 0,
            durationMs: 1000,
            warmupMs: 0,
            maxInFlight: 10,
            findMaxRate: false,
            maxErrorRate: 0.01,
          },
          { stop },
        ),
      () => stop.request("SIGINT"),
    );
    expect(err).toBeInstanceOf(Interrupted);
    expect((err as Interrupted).signal).toBe("SIGINT");
    expect((err as Interrupted).message).toBe(`stopped while reading ${csv}: nothing was written`);
    expect(existsSync(out)).toBe(false);
  });
});
