/**
 * results.jsonl: one JSON object per (variant, query), appended the moment the task finishes. It is
 * the run's checkpoint and the input of scoring and of the TREC export (design.md), so a line holds
 * everything needed to rebuild the report without the API: the ranking with raw scores, per-attempt
 * latencies, attempts, usage, notes, the error if any, and wall-clock timestamps.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { InputError } from "../errors.js";
import type { RerankUsage, ScoreKind } from "../rerank/types.js";

export interface ResultError {
  kind: string;
  status?: number;
  message: string;
}

export interface ResultRecord {
  variant: string;
  qid: string;
  /** [docId, score] in the API's order (score desc); empty when the task failed. */
  ranking: [string, number][];
  /** Number of candidates sent. */
  candidates: number;
  attemptLatenciesMs: number[];
  /** Wall time of the whole call, retries and back-off included. */
  latencyMs: number;
  attempts: number;
  requests: number;
  usage?: RerankUsage;
  scoreKind?: ScoreKind;
  notes: string[];
  error?: ResultError;
  /** ISO timestamps (wall clock) of the task's start and end. */
  startedAt: string;
  finishedAt: string;
  /** Monotonic times relative to the run's origin, ms: what timing and throughput are computed from. */
  startMs: number;
  endMs: number;
}

/**
 * Appends records with synchronous writes to an open descriptor. The lines of the tasks that finish
 * in one event-loop turn go out together in ONE write at the end of that turn (setImmediate), still
 * before the next requests leave (their sockets wait for the same check phase): at -j 50 answers
 * arrive in bursts, and a write per line (~17 µs on this machine's file system) held up every answer
 * behind it. Writes stay synchronous, so lines are whole and in order, and a reader sees a task's
 * line within the turn it finished; a crash loses at most that turn's lines, never half of one
 * (and readResults drops a cut-off last line anyway). flush() and close() write what is pending.
 */
export class ResultsWriter {
  private fd: number | undefined;
  private pending: string[] = [];
  private scheduled = false;
  private failure: InputError | undefined;
  private readonly flushSoon = () => {
    this.scheduled = false;
    try {
      this.flush();
    } catch {
      // Kept in `failure`: the next append, flush or close reports it to the run.
    }
  };

  constructor(
    readonly path: string,
    private readonly redact: (text: string) => string = (t) => t,
  ) {
    this.fd = openSync(path, "w");
  }

  append(record: ResultRecord): void {
    if (this.failure) throw this.failure;
    if (this.fd === undefined) throw new Error(`results writer for ${this.path} is closed`);
    this.pending.push(`${this.redact(JSON.stringify(record))}\n`);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Writes every pending line now; throws the write failure (an InputError) if there was one. */
  flush(): void {
    if (this.failure) throw this.failure;
    if (this.pending.length === 0 || this.fd === undefined) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join("");
    this.pending = [];
    try {
      writeSync(this.fd, text);
    } catch (err) {
      // A full disk or a vanished folder: the user's environment, said in one line, not a crash.
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      this.failure = new InputError(`cannot write the results (${code})`, { file: this.path, field: "out" });
      throw this.failure;
    }
  }

  /**
   * Writes what is pending (best effort) and closes the file. Never throws: it runs in a `finally`
   * after the phase, where a failure must not mask the error that ended it; a failure on the success
   * path was already thrown by the phase's own flush().
   */
  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } catch {
      // See above.
    }
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * Read a results.jsonl back (to score or resume without the API). Bad lines are InputErrors with
 * file:line:field. A cut-off last line is an append the process did not finish (killed mid-write):
 * it is dropped, like any task that did not finish, instead of failing the whole file.
 */
export async function readResults(path: string): Promise<ResultRecord[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read the results file (${(err as NodeJS.ErrnoException).code ?? "error"})`, {
      file: path,
    });
  }
  const lines = text.split("\n");
  // The piece after the last "\n" is "", a record whose newline is missing, or a cut-off append
  // (a truncated JSON object never parses).
  const tail = lines.pop() ?? "";
  if (tail.trim() !== "" && isJson(tail)) lines.push(tail);
  const records: ResultRecord[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === "") continue;
    records.push(parseRecord(lines[i], { file: path, line: i + 1 }));
  }
  return records;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function parseRecord(line: string, at: { file: string; line: number }): ResultRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new InputError("not valid JSON", at);
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new InputError("expected a JSON object", at);
  const r = value as Record<string, unknown>;
  for (const field of ["variant", "qid"]) {
    if (typeof r[field] !== "string") throw new InputError("missing or not a string", { ...at, field });
  }
  const ranking = r.ranking;
  const pairs =
    Array.isArray(ranking) &&
    ranking.every(
      (p) => Array.isArray(p) && p.length === 2 && typeof p[0] === "string" && Number.isFinite(p[1]),
    );
  if (!pairs) throw new InputError("expected an array of [docId, score] pairs", { ...at, field: "ranking" });
  for (const field of ["candidates", "latencyMs", "attempts", "requests", "startMs", "endMs"]) {
    if (!Number.isFinite(r[field])) throw new InputError("missing or not a number", { ...at, field });
  }
  if (!Array.isArray(r.attemptLatenciesMs) || !r.attemptLatenciesMs.every(Number.isFinite))
    throw new InputError("expected an array of numbers", { ...at, field: "attemptLatenciesMs" });
  if (r.error !== undefined && typeof (r.error as { kind?: unknown })?.kind !== "string")
    throw new InputError("expected {kind, message}", { ...at, field: "error" });
  return { notes: [], ...r } as unknown as ResultRecord;
}
