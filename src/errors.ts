/**
 * Typed errors. The CLI maps them to exit codes in one table (cli/app.ts, after design.md):
 * GateFailed → 1, InputError and UsageError → 2, ApiError, TooManyFailures and DownloadFailed → 3,
 * Interrupted → 130/143. Messages are one line and never contain a secret.
 */

export interface InputLocation {
  /** The file the problem is in, as the user named it. */
  file?: string;
  /** 1-based line number, when the problem is on one line. */
  line?: number;
  /** The field or column that is wrong. */
  field?: string;
}

/** Bad input data: a file that is missing, malformed or inconsistent. Exit code 2. */
export class InputError extends Error {
  override readonly name = "InputError";
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  /** The problem without the location prefix. */
  readonly reason: string;

  constructor(reason: string, where: InputLocation = {}) {
    super(formatLocation(where) + reason);
    this.reason = reason;
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

/** Bad command-line or config usage (unknown measure, conflicting flags). Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * timeout: an attempt or task deadline passed (the message says which); too-large: an answer over
 * --max-answer-bytes, or a document that alone exceeds the request byte cap (never retried).
 */
export type ApiErrorKind = "http" | "network" | "timeout" | "malformed" | "aborted" | "too-large";

export interface ApiErrorInit {
  kind: ApiErrorKind;
  status?: number;
  retryable: boolean;
  attempts?: number;
  /** The provider's own message, extracted from its error body. */
  providerMessage?: string;
  /** The answer field that violated the contract (kind "malformed"). */
  field?: string;
  /** Per-attempt latencies in ms, when the failure came after one or more attempts. */
  attemptLatenciesMs?: number[];
}

/** A rerank API call that failed (after retries, when retryable). Exit code 3. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly kind: ApiErrorKind;
  readonly status?: number;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly providerMessage?: string;
  readonly field?: string;
  readonly attemptLatenciesMs: number[];

  constructor(message: string, init: ApiErrorInit) {
    super(message);
    this.kind = init.kind;
    this.status = init.status;
    this.retryable = init.retryable;
    this.attempts = init.attempts ?? 1;
    this.providerMessage = init.providerMessage;
    this.field = init.field;
    this.attemptLatenciesMs = init.attemptLatenciesMs ?? [];
  }
}

function formatLocation({ file, line, field }: InputLocation): string {
  let prefix = "";
  if (file !== undefined) prefix += file;
  if (line !== undefined) prefix += `${prefix ? ":" : "line "}${line}`;
  if (field !== undefined) prefix += `${prefix ? ": " : ""}field '${field}'`;
  return prefix ? `${prefix}: ` : "";
}

/** A check or gate found what it was asked to look for (doctor, compare gates). Exit code 1. */
export class GateFailed extends Error {
  override readonly name = "GateFailed";
}

/**
 * A run that finished with more failed tasks than --max-failures allows. The report is written
 * before this is thrown (it names the folder). Exit code 3.
 */
export class TooManyFailures extends Error {
  override readonly name = "TooManyFailures";
  constructor(
    message: string,
    readonly outDir: string,
  ) {
    super(message);
  }
}

/**
 * A dataset download that could not complete: the server unreachable, an HTTP error, the
 * connection dropped more times than allowed. Exit code 3, as for a run that could not complete;
 * what was received is kept in NAME.zip.part, so the same command resumes it. A download that
 * completed but is wrong (checksum, zip) is an InputError instead (exit 2).
 */
export class DownloadFailed extends Error {
  override readonly name = "DownloadFailed";
  constructor(
    message: string,
    /** Worth another attempt (a dropped connection, 5xx, 429), as opposed to a 404. */
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * Work stopped by SIGINT or SIGTERM; what was done is kept (a run writes its report, marked
 * incomplete). Exit code 128 + the signal's number: 130 or 143, as shells report a killed command.
 */
export class Interrupted extends Error {
  override readonly name = "Interrupted";
  constructor(
    message: string,
    readonly signal: "SIGINT" | "SIGTERM",
  ) {
    super(message);
  }
}

/**
 * What work stopped by `signal` throws: Interrupted when the reason is a signal's name (the CLI's
 * RunStop aborts with it), else the reason itself, or an Error saying `what` stopped.
 */
export function stoppedBy(signal: AbortSignal, what: string): Error {
  const reason: unknown = signal.reason;
  const err =
    reason === "SIGINT" || reason === "SIGTERM"
      ? new Interrupted(`stopped while ${what}`, reason)
      : reason instanceof Error
        ? reason
        : new Error(`stopped while ${what}`);
  stops.add(err);
  return err;
}

const stops = new WeakSet<Error>();

/** Whether `err` is what stoppedBy made: passed on as it is, never re-worded as a read failure. */
export function isStop(err: unknown): err is Error {
  return err instanceof Error && stops.has(err);
}
