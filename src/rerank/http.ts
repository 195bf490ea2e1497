/**
 * undici Pools shared per endpoint origin: keep-alive connections, connect/headers/body timeouts,
 * TLS verification left on (undici verifies certificates by default and nothing here turns it off).
 */
import { type Dispatcher, Pool } from "undici";
import { onAbort } from "./abort.js";
import { AnswerTooLarge, AttemptDeadlineExceeded } from "./limits.js";
import { isRetryableNetworkCode } from "./retry.js";

/** A pool's settings: its timeouts, and how many connections it may open (unbounded when absent). */
export interface TransportSettings {
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** At most this many connections to the origin; a request finding all busy waits for one. */
  connections?: number;
}

export const DEFAULT_TIMEOUTS: TransportSettings = {
  connectTimeoutMs: 10_000,
  // Large candidate sets on LLM rerankers take tens of seconds before the first byte.
  headersTimeoutMs: 120_000,
  bodyTimeoutMs: 120_000,
};

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface SharedPool {
  pool: Pool;
  users: number;
}

/**
 * Rerankers of one origin (a run's variants on one endpoint) share a pool, and so its warm
 * keep-alive connections; timeouts and the connection bound are pool settings, so part of the key.
 */
const pools = new Map<string, SharedPool>();

export class HttpTransport {
  readonly #path: string;
  readonly #key: string;
  readonly #shared: SharedPool;
  #closed = false;

  constructor(endpoint: URL, settings: TransportSettings) {
    this.#path = `${endpoint.pathname}${endpoint.search}`;
    const { connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs, connections } = settings;
    this.#key = [endpoint.origin, connectTimeoutMs, headersTimeoutMs, bodyTimeoutMs, connections].join(" ");
    let shared = pools.get(this.#key);
    if (shared === undefined) {
      const pool = new Pool(endpoint.origin, {
        connect: { timeout: connectTimeoutMs },
        headersTimeout: headersTimeoutMs,
        bodyTimeout: bodyTimeoutMs,
        keepAliveTimeout: 30_000,
        pipelining: 1,
        connections: connections ?? null,
      });
      shared = { pool, users: 0 };
      pools.set(this.#key, shared);
    }
    shared.users++;
    this.#shared = shared;
  }

  /**
   * POST a JSON body; the whole answer body is read so the connection returns to the pool.
   * Through `dispatch` with a handler that collects the body, not `request()`: the answer is a few
   * KB read whole, and request()'s Readable body stream and its consumer promise cost more CPU per
   * call than the rest of undici's work on it.
   *
   * The answer is read where it arrives (`read`) and the promise holds only what `read` made of
   * it. Under load that matters: a request in flight across two young-generation collections has
   * its promise moved to the old generation, and an old promise holding a 36 KB answer text (or its
   * JSON tree) keeps it, and all it points to, alive and copied until the next full collection.
   * `read` must not throw: what it throws fails the attempt like a broken connection.
   */
  post<T>(
    body: string | Buffer,
    headers: Record<string, string>,
    limits: AttemptLimits,
    read: (answer: HttpAnswer) => T,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#shared.pool.dispatch(
        { method: "POST", path: this.#path, headers, body },
        new AnswerReader(resolve, reject, limits, read),
      );
    });
  }

  /** Releases this user's share; the last one closes the pool. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (--this.#shared.users > 0) return;
    if (pools.get(this.#key) === this.#shared) pools.delete(this.#key);
    await this.#shared.pool.close();
  }
}

/** What bounds one attempt; each is optional. */
export interface AttemptLimits {
  /** The caller's cancellation: the attempt rejects with its reason. */
  signal?: AbortSignal;
  /**
   * The attempt's deadline in ms from the call, covering the wait for a connection, connect, headers
   * and the whole body: the request is aborted and the attempt rejects with AttemptDeadlineExceeded.
   * undici's own headers and body timeouts are idle timeouts, reset by every byte, so a body trickled
   * a byte a second never trips them.
   */
  deadlineMs?: number;
  /**
   * The largest answer body read, in bytes: a Content-Length above it, or a body growing past it,
   * aborts the request and the attempt rejects with AnswerTooLarge. Not undici's maxResponseSize:
   * that is a pool setting (one pool serves rerankers with other caps), never looks at
   * Content-Length, and fails with an error that does not say the cap.
   */
  maxAnswerBytes?: number;
}

type Controller = Parameters<NonNullable<Dispatcher.DispatchHandler["onRequestStart"]>>[0];

/**
 * One answer read whole into text and handed to `read`. Settles its promise exactly once, whatever
 * happens: it follows the caller's signal and the attempt's deadline, enforces the size cap, and
 * every callback is guarded, since an exception thrown inside one goes to undici, which may have
 * nobody left to tell (a Buffer.toString past Node's string limit in onResponseEnd once left `run`
 * waiting forever).
 */
class AnswerReader<T> implements Dispatcher.DispatchHandler {
  #status = 0;
  #headers: HttpAnswer["headers"] = {};
  readonly #chunks: Buffer[] = [];
  #length = 0;
  #controller: Controller | undefined;
  #settled = false;
  /** Why the attempt was given up before its request reached a socket: abort it when it does. */
  #abandoned: unknown;
  readonly #unlinkAbort: (() => void) | undefined;
  readonly #timer: NodeJS.Timeout | undefined;
  readonly #maxBytes: number;

  constructor(
    private readonly resolve: (value: T) => void,
    private readonly reject: (err: unknown) => void,
    { signal, deadlineMs, maxAnswerBytes }: AttemptLimits,
    private readonly read: (answer: HttpAnswer) => T,
  ) {
    this.#maxBytes = maxAnswerBytes ?? Number.POSITIVE_INFINITY;
    if (deadlineMs !== undefined) {
      this.#timer = setTimeout(() => this.#abort(new AttemptDeadlineExceeded(deadlineMs)), deadlineMs);
    }
    if (signal === undefined) return;
    // A request still queued for a connection has no controller yet: fail the call now, and abort
    // the request when it reaches a socket (onRequestStart).
    // Through abort.ts: a run's signal is shared by every attempt in flight.
    this.#unlinkAbort = onAbort(signal, () => this.#abort(signal.reason));
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#settled) controller.abort(this.#abandoned as Error);
  }

  onResponseStart(_controller: Controller, statusCode: number, headers: HttpAnswer["headers"]): void {
    this.#guard(() => {
      if (statusCode < 200) return; // 1xx informational: the answer's own head follows
      this.#status = statusCode;
      this.#headers = headers;
      const declared = Number(firstValue(headers["content-length"]));
      if (declared > this.#maxBytes) this.#abort(new AnswerTooLarge(this.#maxBytes, declared));
    });
  }

  onResponseData(_controller: Controller, chunk: Buffer): void {
    this.#guard(() => {
      if (this.#settled) return;
      this.#length += chunk.length;
      if (this.#length > this.#maxBytes) return this.#abort(new AnswerTooLarge(this.#maxBytes));
      this.#chunks.push(chunk);
    });
  }

  onResponseEnd(): void {
    this.#guard(() => {
      if (this.#settled) return;
      const buffer = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#length);
      // A UTF-8 byte order mark is not part of the JSON text (undici's body.text() drops it too).
      const start =
        buffer.length > 2 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
      const value = this.read({
        status: this.#status,
        headers: this.#headers,
        text: buffer.toString("utf8", start),
      });
      this.#settle();
      this.resolve(value);
    });
  }

  onResponseError(_controller: Controller, err: Error): void {
    this.#fail(err);
  }

  /** Runs a callback's work; anything it throws fails the attempt (and aborts the request). */
  #guard(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.#abort(err);
    }
  }

  #abort(reason: unknown): void {
    if (this.#settled) return;
    this.#abandoned = reason;
    this.#fail(reason);
    this.#controller?.abort(reason as Error);
  }

  #fail(err: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.reject(err);
  }

  #settle(): void {
    this.#settled = true;
    this.#chunks.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#unlinkAbort?.();
  }
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export interface NetworkFailure {
  kind: "network" | "timeout" | "aborted" | "too-large";
  retryable: boolean;
  /** Safe for a one-line error: our own wording plus the system error code. */
  description: string;
}

const TIMEOUT_WORDING: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: "connect timeout",
  UND_ERR_HEADERS_TIMEOUT: "no response headers within the headers timeout",
  UND_ERR_BODY_TIMEOUT: "response body stalled past the body timeout",
  ETIMEDOUT: "connection timed out",
};

const NETWORK_WORDING: Record<string, string> = {
  ECONNRESET: "connection reset by the server",
  ECONNREFUSED: "connection refused",
  EPIPE: "connection closed while sending",
  UND_ERR_SOCKET: "connection closed by the server",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "DNS lookup failed (temporary)",
  // Every concurrent request holds a socket, so a high -j meets the descriptor limit: say what to change.
  EMFILE: "too many open files",
  ENFILE: "too many open files on the system",
};

/** Appended to the code: the two ways out of running short of file descriptors. */
const DESCRIPTOR_ADVICE: Record<string, string> = {
  EMFILE: "lower the concurrency (-j) or raise the limit (ulimit -n)",
  ENFILE: "lower the concurrency (-j) or close other programs' files",
};

/** Certificate verification failures (OpenSSL's names and Node's own TLS codes). */
const CERTIFICATE_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_REVOKED",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** Map an error from undici (or the caller's abort reason) to the ApiError taxonomy. */
export function describeNetworkError(err: unknown, signal?: AbortSignal): NetworkFailure {
  if (signal?.aborted) return { kind: "aborted", retryable: false, description: "aborted by the caller" };
  if (err instanceof AttemptDeadlineExceeded) {
    return { kind: "timeout", retryable: true, description: `${err.message} (attempt deadline)` };
  }
  // Asking again brings the same answer, as large.
  if (err instanceof AnswerTooLarge) return { kind: "too-large", retryable: false, description: err.message };
  const e = err as { code?: string; cause?: { code?: string }; name?: string };
  const code = e?.code ?? e?.cause?.code;
  if (code === "ERR_STRING_TOO_LONG") {
    return { kind: "too-large", retryable: false, description: `answer too long to read as text (${code})` };
  }
  if (code === "UND_ERR_ABORTED" || e?.name === "AbortError") {
    return { kind: "aborted", retryable: false, description: "request aborted" };
  }
  if (code && code in TIMEOUT_WORDING) {
    return { kind: "timeout", retryable: true, description: `${TIMEOUT_WORDING[code]} (${code})` };
  }
  if (code && CERTIFICATE_CODES.has(code)) {
    // Asking again gives the same certificate. The fix is trusting its CA, never turning checks off.
    return {
      kind: "network",
      retryable: false,
      description: `TLS certificate rejected (${code}); for a private CA set NODE_EXTRA_CA_CERTS`,
    };
  }
  const wording = code ? (NETWORK_WORDING[code] ?? "network error") : "network error";
  const advice = code ? DESCRIPTOR_ADVICE[code] : undefined;
  return {
    kind: "network",
    retryable: code === undefined || isRetryableNetworkCode(code),
    description: `${wording}${code ? ` (${code})` : ""}${advice ? `: ${advice}` : ""}`,
  };
}
