/**
 * A file fetched over HTTP into a `.part` file that survives: a dropped connection resumes with a
 * Range request from the bytes already on disk, in this process (retried) or the next one. The
 * `.part` is always a prefix of the file: bytes are only ever appended after a 206 whose
 * Content-Range starts exactly where the file ends, and a 200 (the server ignored Range) starts
 * it over. undici's RetryHandler also resumes with Range, but it keeps the bytes in memory, not on
 * disk, so a second process could not resume, and it reports no attempts to count.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { stat, unlink } from "node:fs/promises";
import { finished } from "node:stream/promises";
import { type Dispatcher, EnvHttpProxyAgent, interceptors, request } from "undici";
import { DownloadFailed } from "../errors.js";

export interface FetchOptions {
  url: string;
  /** Where the bytes go; its current size is where a resumed download starts. */
  part: string;
  /** Failed attempts in a row that received nothing, before giving up (a drop after progress resets the count). */
  retries: number;
  /** The wait after the first failure; doubled after each further one, at most 10 s. */
  retryDelayMs: number;
  /** No byte (or no answer) for this long and the attempt is dropped and retried. */
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** Once the size is known at each attempt: the total (when the server says) and where it starts. */
  onStart?(info: { total?: number; offset: number; restarted: boolean }): void;
  /** The bytes on disk so far, as they arrive. */
  onBytes?(onDisk: number): void;
  /** Said before each retry (one line for the user). */
  onRetry?(reason: string, waitMs: number): void;
}

export interface FetchResult {
  /** The file's size. */
  bytes: number;
  /** Where this process started: the .part's size when it began (0 for a fresh download). */
  resumedFrom: number;
  attempts: number;
  /** Requests with a Range header, answered 206. */
  resumes: number;
  /** Times the server ignored Range (200) and the file started over. */
  restarts: number;
}

const MAX_RETRY_DELAY_MS = 10_000;
const FILE_SYSCALLS = new Set(["open", "write", "close", "unlink", "stat"]);

export async function fetchWithResume(opts: FetchOptions): Promise<FetchResult> {
  // Proxies as curl and wget take them (HTTPS_PROXY, NO_PROXY); BEIR's server redirects moved files.
  const dispatcher = new EnvHttpProxyAgent({
    headersTimeout: opts.idleTimeoutMs,
    bodyTimeout: opts.idleTimeoutMs,
    connect: { timeout: Math.min(opts.idleTimeoutMs, 30_000) },
  }).compose(interceptors.redirect({ maxRedirections: 5 }));
  const result: FetchResult = {
    bytes: 0,
    resumedFrom: await sizeOf(opts.part),
    attempts: 0,
    resumes: 0,
    restarts: 0,
  };
  // The file's identity from the first answer, so a resumed request only continues the same file.
  const state: { validator?: string } = {};
  let failures = 0;
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const offset = await sizeOf(opts.part);
      result.attempts++;
      let outcome: Attempt;
      try {
        outcome = await attempt(opts, dispatcher, offset, state, result);
        if (outcome.done) {
          result.bytes = await sizeOf(opts.part);
          return result;
        }
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        if (err instanceof DownloadFailed && !err.retryable) throw err;
        // The disk full or the folder unwritable: no retry helps.
        if (FILE_SYSCALLS.has((err as NodeJS.ErrnoException).syscall ?? "")) throw err;
        outcome = { done: false, reason: describe(err) };
      }
      failures = (await sizeOf(opts.part)) > offset ? 0 : failures + 1;
      if (failures > opts.retries) {
        const tries = `${result.attempts} attempt${result.attempts === 1 ? "" : "s"}`;
        throw new DownloadFailed(`${outcome.reason} (gave up after ${tries})`, true);
      }
      const wait = failures === 0 ? 0 : Math.min(opts.retryDelayMs * 2 ** (failures - 1), MAX_RETRY_DELAY_MS);
      opts.onRetry?.(outcome.reason, wait);
      await sleep(wait, opts.signal);
    }
  } finally {
    await dispatcher.close().catch(() => {});
  }
}

type Attempt = { done: true } | { done: false; reason: string };

async function attempt(
  opts: FetchOptions,
  dispatcher: Dispatcher,
  offset: number,
  state: { validator?: string },
  result: FetchResult,
): Promise<Attempt> {
  const headers: Record<string, string> = {};
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    // A file changed on the server since the first answer comes back whole (200), not spliced on.
    if (state.validator) headers["if-range"] = state.validator;
  }
  const res = await request(opts.url, { method: "GET", headers, dispatcher, signal: opts.signal });
  const status = res.statusCode;
  const etag = header(res.headers, "etag");
  const got = (etag && !etag.startsWith("W/") ? etag : undefined) ?? header(res.headers, "last-modified");
  let append = false;
  let total: number | undefined;
  if (status === 200) {
    total = numberOr(header(res.headers, "content-length"));
    if (offset > 0) result.restarts++;
  } else if (status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header(res.headers, "content-range") ?? "");
    if (!range || Number(range[1]) !== offset) {
      await res.body.dump();
      await unlink(opts.part).catch(() => {});
      return { done: false, reason: `the server answered a range that does not start at byte ${offset}` };
    }
    total = range[3] === "*" ? undefined : Number(range[3]);
    append = true;
    result.resumes++;
  } else if (status === 416) {
    // Asked for the bytes after the end: the .part is the whole file when the server's size is its size.
    await res.body.dump();
    const size = /^bytes \*\/(\d+)$/.exec(header(res.headers, "content-range") ?? "");
    if (size && Number(size[1]) === offset) return { done: true };
    await unlink(opts.part).catch(() => {});
    return { done: false, reason: "the partial file is longer than the server's: started over" };
  } else {
    await res.body.dump();
    const retryable = status === 408 || status === 429 || status >= 500;
    throw new DownloadFailed(`HTTP ${status} from ${opts.url}`, retryable, status);
  }
  opts.onStart?.({ total, offset: append ? offset : 0, restarted: offset > 0 && !append });
  // Known before the body can fail, so a retry after a drop continues this same file.
  state.validator = got;
  let onDisk = append ? offset : 0;
  // Each chunk is written as it arrives, synchronously: when the connection drops, undici destroys
  // the body stream and whatever it still buffers is lost, so nothing received may wait in it (an
  // async iterator or a pipeline would leave chunks there). A write of one chunk is a memcpy into
  // the page cache; the transfer is network-bound.
  const fd = openSync(opts.part, append ? "a" : "w");
  try {
    res.body.on("data", (chunk: Buffer) => {
      try {
        writeSync(fd, chunk);
      } catch (err) {
        // A full disk: the transfer stops with the file system's error, not an uncaught one.
        res.body.destroy(err as Error);
        return;
      }
      onDisk += chunk.length;
      opts.onBytes?.(onDisk);
    });
    await finished(res.body);
  } finally {
    closeSync(fd);
  }
  if (total === undefined || onDisk === total) return { done: true };
  if (onDisk > total) {
    await unlink(opts.part).catch(() => {});
    return { done: false, reason: `received more bytes than the server announced (${total}): started over` };
  }
  return { done: false, reason: `the connection ended at byte ${onDisk} of ${total}` };
}

/** One line for a failed attempt: the error's code and what undici says. */
function describe(err: unknown): string {
  if (err instanceof DownloadFailed) return err.message;
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const message = e.message || e.cause?.message || String(err);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function numberOr(text: string | undefined): number | undefined {
  const n = text === undefined ? Number.NaN : Number(text);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return 0;
    throw err;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener("abort", stop);
      resolve();
    }
    function stop() {
      clearTimeout(timer);
      reject(signal?.reason);
    }
    signal?.addEventListener("abort", stop, { once: true });
  });
}
