/**
 * ResultsWriter writes the lines of one event-loop turn together at the end of that turn: each
 * finished task's line must still reach the file within its turn (not at close), whole, in order and
 * redacted, and a write the OS refuses must fail the run, not vanish.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { ResultsWriter, readResults } from "../../src/results/index.js";
import { resultRecord, tempDir } from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

const record = resultRecord;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("ResultsWriter", () => {
  it("puts a turn's lines in the file at the end of that turn, whole, in order, redacted", async () => {
    const path = join(dir, "open.jsonl");
    const writer = new ResultsWriter(path, (t) => t.replaceAll("secret-qid", "[redacted]"));
    try {
      writer.append(record("q1"));
      writer.append(record("q2"));
      await nextTurn();
      // The file's form: the record's fields in order, its ranking as [docId, score] pairs.
      const line = (qid: string) => JSON.stringify({ ...record(qid), ranking: [["d1", 0.5]] });
      expect(await readFile(path, "utf8")).toBe(`${line("q1")}\n${line("q2")}\n`);
      for (let i = 3; i <= 200; i++) {
        writer.append(record(i === 7 ? "secret-qid" : `q${i}`));
        if (i % 10 === 0) await nextTurn();
      }
      writer.append(record("last"));
      writer.flush();
      const qids = (await readResults(path)).map((r) => r.qid);
      expect(qids).toHaveLength(201);
      expect(qids.slice(0, 8)).toEqual(["q1", "q2", "q3", "q4", "q5", "q6", "[redacted]", "q8"]);
      expect(qids.at(-1)).toBe("last");
    } finally {
      writer.close();
    }
    expect(() => writer.append(record("late"))).toThrow(/closed/);
  });

  it("close() writes the lines still pending", async () => {
    const path = join(dir, "close.jsonl");
    const writer = new ResultsWriter(path);
    writer.append(record("q1"));
    writer.close();
    expect((await readResults(path)).map((r) => r.qid)).toEqual(["q1"]);
  });

  it("a refused write (full disk) is one InputError from flush or, after a turn, from the next append", async () => {
    const failure = /^\/dev\/full: field 'out': cannot write the results \(ENOSPC\)$/;
    const explicit = new ResultsWriter("/dev/full");
    explicit.append(record("q1"));
    expect(() => explicit.flush()).toThrow(failure);
    expect(() => explicit.close()).not.toThrow();

    const later = new ResultsWriter("/dev/full");
    later.append(record("q1"));
    await nextTurn();
    let err: unknown;
    try {
      later.append(record("q2"));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(failure);
    later.close();
  });
});
