/**
 * Fail fast: a variant whose first tasks all fail the same way that no retry can cure (a wrong key,
 * a wrong URL or model, a server that is not there), or that fails many tasks in a row, is stopped:
 * its remaining tasks are not sent. Paying for 10,000 identical 401s teaches nothing that the first
 * five did not. The run folder stays resumable: the tasks not sent are missing, not failed.
 */
import type { ResultError } from "../results/record.js";

/** The first tasks that decide (all failing the same non-retryable way stops the variant). */
export const FIRST_TASKS = 5;
/** Failures in a row (of any kind, in completion order) that stop a variant. */
export const CONSECUTIVE_FAILURES = 20;

/** HTTP statuses that say the request, the key or the route is wrong: asking again changes nothing. */
const HOPELESS_STATUS = new Set([401, 403, 404, 422]);
/** Network failures that say the server is not there at all. */
const HOPELESS_NETWORK = /\((ECONNREFUSED|ENOTFOUND)\)/;

/** A failure's kind when it is one that repeats the same way for every task, else undefined. */
export function hopelessKind(error: ResultError): string | undefined {
  if (error.kind === "http" && error.status !== undefined && HOPELESS_STATUS.has(error.status))
    return `HTTP ${error.status}`;
  if (error.kind === "network") {
    const code = HOPELESS_NETWORK.exec(error.message)?.[1];
    if (code === "ECONNREFUSED") return "connection refused (ECONNREFUSED)";
    if (code === "ENOTFOUND") return "host not found (ENOTFOUND)";
  }
  return undefined;
}

export interface StoppedVariant {
  variant: string;
  /** One line: why it was stopped. */
  reason: string;
  /** The failure kind that stopped it (e.g. "HTTP 401"). */
  kind: string;
}

/** Watches one variant's finished tasks, in completion order. */
export class FailFastWatch {
  private finished = 0;
  private firstKind: string | undefined;
  private firstAllSame = true;
  private inARow = 0;
  private lastError: ResultError | undefined;
  stopped: StoppedVariant | undefined;

  constructor(
    readonly variant: string,
    /** Tells a 401's reason whether a key was sent (the key variable's name, or none). */
    private readonly keyVariable: string | undefined,
  ) {}

  /** The outcome of one finished task; returns the stop when this one decides it. */
  observe(error: ResultError | undefined): StoppedVariant | undefined {
    if (this.stopped) return undefined;
    this.finished++;
    if (error) {
      this.inARow++;
      this.lastError = error;
    } else this.inARow = 0;
    if (this.finished <= FIRST_TASKS) {
      const kind = error ? hopelessKind(error) : undefined;
      if (kind === undefined || (this.firstKind !== undefined && kind !== this.firstKind))
        this.firstAllSame = false;
      this.firstKind ??= kind;
      if (this.finished === FIRST_TASKS && this.firstAllSame && this.firstKind !== undefined) {
        return this.stop(this.firstKind, `its first ${FIRST_TASKS} tasks all failed with ${this.firstKind}`);
      }
    }
    if (this.inARow >= CONSECUTIVE_FAILURES) {
      const kind = this.lastError ? (hopelessKind(this.lastError) ?? this.lastError.kind) : "failure";
      return this.stop(kind, `${CONSECUTIVE_FAILURES} tasks in a row failed (the last: ${kind})`);
    }
    return undefined;
  }

  private stop(kind: string, why: string): StoppedVariant {
    let hint = "";
    if (kind === "HTTP 401")
      hint = this.keyVariable
        ? `; a key from ${this.keyVariable} was sent and refused: check its value`
        : "; no key was sent (no key variable is set for this model): name one with --api-key-env";
    else if (kind === "HTTP 404") hint = "; check the endpoint URL and the model name";
    else if (kind.startsWith("connection refused") || kind.startsWith("host not found"))
      hint = "; check the endpoint URL and that the server is up";
    this.stopped = { variant: this.variant, kind, reason: `variant ${this.variant} stopped: ${why}${hint}` };
    return this.stopped;
  }
}
