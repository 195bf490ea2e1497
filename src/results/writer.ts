/**
 * The results.jsonl writer: one line per finished task, appended as it finishes. The file is the
 * run's checkpoint and the input of scoring and of the TREC export (design.md).
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { InputError } from "../errors.js";
import { type ResultRecord, recordLine } from "./record.js";

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
    /** Append to the file (a resumed run) instead of starting it anew. */
    append = false,
  ) {
    this.fd = openSync(path, append ? "a" : "w");
  }

  append(record: ResultRecord): void {
    if (this.failure) throw this.failure;
    if (this.fd === undefined) throw new Error(`results writer for ${this.path} is closed`);
    this.pending.push(`${this.redact(recordLine(record))}\n`);
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
