/**
 * Retry policy for rerank calls (api-dialects.md §17, §18.4 rule 7): which answers are worth
 * another attempt, how long to wait, and an abortable sleep.
 *
 * Why not undici's RetryAgent / retry interceptor: it decides from the status code before the body
 * is read, so it cannot spare llama.cpp's 500 "too large to process" or read Mixedbread's
 * `details.retry_after`; it retries 500 and 501 alike; and it reports neither the number of attempts
 * nor per-attempt timing, both of which the evaluation records. The client's own loop does all four.
 */

import { onAbort } from "./abort.js";

export const DEFAULT_RETRIES = 3;
export const DEFAULT_BASE_BACKOFF_MS = 250;
export const DEFAULT_MAX_BACKOFF_MS = 20_000;
/** A server asking for a longer pause than this is treated as a hard failure, not waited for. */
export const MAX_RETRY_AFTER_MS = 120_000;

/** Network-level failures that a fresh connection may cure. */
const RETRYABLE_NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "UND_ERR_CLOSED",
]);

export function isRetryableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/**
 * 408, 429, 499 (Cohere's "cancelled") and 5xx are transient, except 501 (the server cannot rerank at
 * all) and llama.cpp's 500 for a pair longer than its batch, which fails the same way every time.
 */
export function isRetryableStatus(status: number, providerMessage = ""): boolean {
  if (status === 408 || status === 429 || status === 499) return true;
  if (status < 500 || status > 599) return false;
  if (status === 501) return false;
  return !/too large to process/i.test(providerMessage);
}

type HeaderValue = string | string[] | undefined;

function firstHeader(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The pause the server asked for, in ms: `retry-after-ms`, then `Retry-After` (delta seconds or an
 * HTTP date), then Mixedbread's body `details.retry_after` (seconds). Undefined when none is usable.
 */
export function retryAfterMs(
  headers: Record<string, HeaderValue>,
  body: unknown,
  now: number = Date.now(),
): number | undefined {
  const ms = firstHeader(headers, "retry-after-ms")?.trim();
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);

  const after = firstHeader(headers, "retry-after")?.trim();
  if (after) {
    if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }

  const details = (body as { details?: { retry_after?: unknown } } | null)?.details;
  const seconds = details?.retry_after;
  if (typeof seconds === "number" && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  return undefined;
}

/** Exponential back-off with full jitter: random(0, min(cap, base·2^retry)), retry counted from 0. */
export function backoffDelayMs(
  retry: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** retry);
  return random() * ceiling;
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 && !signal?.aborted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      unlink();
      resolve();
    }, ms);
    // Through abort.ts: a run's signal is shared by every call sleeping at once.
    const unlink = onAbort(signal, () => {
      clearTimeout(timer);
      reject(signal?.reason);
    });
  });
}
