/**
 * The client's bounds in time and size: one attempt's deadline, one task's deadline across its
 * retries, the time a task may spend waiting out 429s, and the largest answer read. Their defaults,
 * the errors the transport rejects with when one is passed, and how messages write durations and
 * sizes.
 */
import { constants } from "node:buffer";

/**
 * One attempt: connect, headers and the whole body. A minute covers an LLM reranker working through
 * a large candidate set before its first byte; a server that has sent nothing whole by then is
 * retried, not waited for.
 */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * One task (a query's rerank() call) across every attempt and wait. Ten minutes: above the default
 * schedule of 5xx retries (4 attempts of up to 60 s plus their back-off, about 4 min), so it never
 * cuts that schedule short, with room left for rate-limit waits; yet a hung endpoint costs minutes
 * per query, not the quarter of an hour of uncapped retries and Retry-Afters.
 */
export const DEFAULT_TASK_TIMEOUT_MS = 600_000;

/**
 * Waiting out 429s, summed per request. Half the task deadline: a request that was made to wait
 * that long still has time for its own attempts; past it the quota is not coming back soon.
 */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 300_000;

/** 64 MiB: a ranking of 10,000 documents with their echoed texts is a few MB; 64 MiB is no answer. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/**
 * The largest answer that can become one string (V8's limit, 2^29 - 24 characters on 64-bit): UTF-8
 * takes at least a byte per character, so an answer of at most this many bytes always decodes, and a
 * cap above it would let Buffer.toString throw instead of the cap's clear failure.
 */
export const MAX_ANSWER_BYTES_LIMIT = constants.MAX_STRING_LENGTH;

/** The attempt's own timer fired before its answer was complete. */
export class AttemptDeadlineExceeded extends Error {
  override readonly name = "AttemptDeadlineExceeded";
  constructor(readonly ms: number) {
    super(`no complete answer within ${formatDuration(ms)}`);
  }
}

/** The answer is larger than the cap: declared so by its Content-Length, or counted as it arrived. */
export class AnswerTooLarge extends Error {
  override readonly name = "AnswerTooLarge";
  constructor(
    readonly cap: number,
    /** The Content-Length, when that is how it was known; else undefined (counted past the cap). */
    readonly declared?: number,
  ) {
    super(
      declared === undefined
        ? `answer exceeds ${formatBytes(cap)} (--max-answer-bytes)`
        : `answer of ${formatBytes(declared)} (Content-Length) exceeds ${formatBytes(cap)} (--max-answer-bytes)`,
    );
  }
}

/** "250 ms", "1 s", "1.5 s", "90 s", "10 min": what a person reads in a one-line error. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${round1(ms / 1000)} s`;
  return `${round1(ms / 60_000)} min`;
}

const KIB = 1024;
const MIB = 1024 * KIB;

/** "64 MiB", "512 KiB", "1,000,000 bytes": exact, in the unit the number was given in. */
export function formatBytes(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= KIB && bytes % KIB === 0) return `${bytes / KIB} KiB`;
  if (bytes >= 10 * MIB) return `${round1(bytes / MIB)} MiB`;
  return `${bytes.toLocaleString("en-US")} bytes`;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
