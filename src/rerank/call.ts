/**
 * One rerank request with retries: send, classify the answer, wait as the server asks (or back off
 * with full jitter), repeat. Returns what the caller's `read` made of the successful answer's JSON
 * body plus the attempt count and per-attempt latencies; failures become one-line ApiErrors that
 * never carry the key.
 *
 * Three budgets bound it: `retries` counts 5xx, 408/499 and network failures; 429s have their own,
 * by time (`rateLimitWaitMs`, the sum of the waits they asked for), so a provider's rate limit does
 * not use up the retries meant for its outages; and the task deadline bounds everything: no attempt
 * starts past it, an attempt is cut at it, and a wait that would end past it fails the task at once.
 */
import { ApiError, type ApiErrorKind, UsageError } from "../errors.js";
import { count } from "../text/words.js";
import type { Credentials } from "./credentials.js";
import { extractErrorMessage } from "./dialects/common.js";
import { describeNetworkError, type HttpAnswer, type HttpTransport } from "./http.js";
import { AttemptDeadlineExceeded, formatDuration } from "./limits.js";
import { backoffDelayMs, isRetryableStatus, MAX_RETRY_AFTER_MS, retryAfterMs, sleep } from "./retry.js";
import type { Dialect } from "./types.js";
import { malformed } from "./validate.js";

export interface CallPolicy {
  /** The dialect's name, as error messages show it. */
  dialect: string;
  /** Origin of the endpoint, for messages (never the path or query, which may hold tokens). */
  origin: string;
  /** The endpoint's full URL: only to resolve a relative redirect, never printed whole. */
  endpoint: string;
  /** Retries after 5xx, 408, 499 and network failures (not 429s: see rateLimitWaitMs). */
  retries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** Deadline of one attempt: connect, headers and the whole body. */
  timeoutMs: number;
  /** Deadline of one task (a rerank() call) across its attempts and waits. */
  taskTimeoutMs: number;
  /** Time one request may spend waiting out 429s, summed over its waits. */
  rateLimitWaitMs: number;
  /** The largest answer body read. */
  maxAnswerBytes: number;
}

/** What one rerank() call shares with each of its requests. */
export interface CallContext {
  signal?: AbortSignal;
  /** performance.now() of the task deadline. */
  deadlineAt: number;
  /** Told of each 429 answer before its wait, with the pause the server asked for (if any). */
  onRateLimited?: (retryAfterMs: number | undefined) => void;
}

/** A request ready to send: its JSON body encoded, and the dialect's extra headers. */
export interface EncodedRequest {
  body: Buffer;
  /** Extra headers beyond content-type and auth. */
  headers?: Record<string, string>;
}

export interface CallOutcome<T> {
  /** What `read` made of the successful answer's JSON body. */
  value: T;
  /** Headers of the successful answer (some servers report usage only there). */
  headers: HttpAnswer["headers"];
  attempts: number;
  attemptLatenciesMs: number[];
}

export async function callWithRetries<T>(
  transport: HttpTransport,
  credentials: Credentials,
  dialect: Dialect,
  policy: CallPolicy,
  payload: EncodedRequest,
  context: CallContext,
  read: (json: unknown) => T,
): Promise<CallOutcome<T>> {
  const { body } = payload;
  const latencies: number[] = [];
  const name = policy.dialect;
  const { signal, deadlineAt } = context;
  /** Retryable failures other than 429 so far, and the time waited on 429s. */
  let failures = 0;
  let rateLimited = 0;
  let rateLimitWaitedMs = 0;

  let attempt = 0;
  const after = () => `after ${count(attempt, "attempt")}`;
  const networkError = (
    description: string,
    { kind, retryable }: { kind: ApiErrorKind; retryable: boolean },
  ) =>
    new ApiError(credentials.redact(`${name} ${policy.origin}: ${description} (${after()})`), {
      kind,
      retryable,
      attempts: attempt,
      attemptLatenciesMs: latencies,
    });
  /** Waits `ms` before the next attempt, unless that would end past the task deadline. */
  const pause = async (ms: number, fail: (reason: string) => ApiError) => {
    if (performance.now() + ms >= deadlineAt) {
      throw fail(
        `${taskDeadline(policy)} leaves no time for the ${formatDuration(ms)} wait before another attempt`,
      );
    }
    try {
      await sleep(ms, signal);
    } catch {
      throw new ApiError(`aborted by the caller (${after()})`, {
        kind: "aborted",
        retryable: false,
        attempts: attempt,
        attemptLatenciesMs: latencies,
      });
    }
  };

  for (;;) {
    attempt++;
    const headers = {
      "content-type": "application/json",
      accept: "application/json",
      ...payload.headers,
      ...credentials.authHeaders(),
    };
    const started = performance.now();
    // The attempt ends at its own deadline or the task's, whichever comes first.
    const left = deadlineAt - started;
    if (left <= 0) {
      // Only a request queued behind its call's other chunks gets here: waits check beforehand.
      throw new ApiError(
        `${name} ${policy.origin}: ${taskDeadline(policy)} passed before the request was sent`,
        {
          kind: "timeout",
          retryable: true,
          attempts: attempt - 1,
          attemptLatenciesMs: latencies,
        },
      );
    }
    const cut = left < policy.timeoutMs;
    let reading: Reading<T>;
    try {
      reading = await transport.post(
        body,
        headers,
        { signal, deadlineMs: cut ? left : policy.timeoutMs, maxAnswerBytes: policy.maxAnswerBytes },
        (answer) => readAnswer(answer, read),
      );
    } catch (err) {
      latencies.push(performance.now() - started);
      if (cut && err instanceof AttemptDeadlineExceeded && !signal?.aborted) {
        // Retryable in kind (another run may get through), though this task has no time left.
        throw networkError(`no complete answer before ${taskDeadline(policy)}`, {
          kind: "timeout",
          retryable: true,
        });
      }
      const failure = describeNetworkError(err, signal);
      const fail = (reason = "") => networkError(`${failure.description}${reason && `; ${reason}`}`, failure);
      if (!failure.retryable || failures >= policy.retries) throw fail();
      failures++;
      await pause(backoffDelayMs(failures - 1, policy.baseBackoffMs, policy.maxBackoffMs), fail);
      continue;
    }
    latencies.push(performance.now() - started);

    if (reading.kind === "read") {
      return {
        value: reading.value,
        headers: reading.headers,
        attempts: attempt,
        attemptLatenciesMs: latencies,
      };
    }
    if (reading.kind === "unreadable") {
      const err = reading.error;
      // A generic option that is not a field path is the user's to fix (exit 2), not the answer's.
      if (err instanceof UsageError) throw err;
      // Dialects throw malformed(); anything else thrown while reading the answer is a parser
      // surprise, still the answer's fault: both become one line naming the provider and attempts.
      const known = err instanceof ApiError ? err : undefined;
      const problem = known?.message ?? `answer malformed: ${(err as Error)?.message ?? String(err)}`;
      throw new ApiError(`${name} ${problem} (${after()})`, {
        kind: "malformed",
        retryable: false,
        field: known?.field,
        attempts: attempt,
        attemptLatenciesMs: latencies,
      });
    }
    const { answer, json: parsedBody } = reading;

    if (answer.status >= 300 && answer.status < 400) {
      throw new ApiError(
        credentials.redact(
          `${name} ${answer.status} ${redirectProblem(answer.headers.location, policy.endpoint)} (${after()})`,
        ),
        {
          kind: "http",
          status: answer.status,
          retryable: false,
          attempts: attempt,
          attemptLatenciesMs: latencies,
        },
      );
    }

    // A body that is not JSON (a gateway's HTML, axum's plain-text 422) is passed as text.
    const extracted = (dialect.errorMessage ?? extractErrorMessage)(
      parsedBody ? parsedBody.value : answer.text,
    );
    const message = credentials.redact(extracted ?? "(no error message)");
    const retryable = isRetryableStatus(answer.status, message);
    const fail = (reason = "") =>
      new ApiError(`${name} ${answer.status} ${message} (${reason && `${reason}; `}${after()})`, {
        kind: "http",
        status: answer.status,
        retryable,
        attempts: attempt,
        providerMessage: message,
        attemptLatenciesMs: latencies,
      });
    const asked = retryAfterMs(answer.headers, parsedBody?.value);
    // In seconds, as Retry-After says it.
    const askedTooMuch = (bound: number) =>
      `server asked to retry after ${Math.round((asked ?? 0) / 1000)} s, more than the ${Math.round(bound / 1000)} s bound`;

    if (answer.status === 429) {
      rateLimited++;
      context.onRateLimited?.(asked);
      if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) throw fail(askedTooMuch(MAX_RETRY_AFTER_MS));
      const delay = asked ?? backoffDelayMs(rateLimited - 1, policy.baseBackoffMs, policy.maxBackoffMs);
      if (rateLimitWaitedMs + delay > policy.rateLimitWaitMs) {
        throw fail(
          `rate limited ${count(rateLimited, "time")}: ${formatDuration(rateLimitWaitedMs)} waited, another ` +
            `${formatDuration(delay)} would pass the ${formatDuration(policy.rateLimitWaitMs)} budget (--rate-limit-wait-ms)`,
        );
      }
      rateLimitWaitedMs += delay;
      await pause(delay, fail);
      continue;
    }

    if (!retryable || failures >= policy.retries) throw fail();
    failures++;
    const bound = Math.max(MAX_RETRY_AFTER_MS, policy.maxBackoffMs);
    if (asked !== undefined && asked > bound) throw fail(askedTooMuch(bound));
    await pause(asked ?? backoffDelayMs(failures - 1, policy.baseBackoffMs, policy.maxBackoffMs), fail);
  }
}

/** The task deadline as messages name it; spelled out only for a message, never per call. */
function taskDeadline(policy: CallPolicy): string {
  return `the task deadline (${formatDuration(policy.taskTimeoutMs)}, --task-timeout-ms)`;
}

/**
 * undici does not follow redirects, and the client must not: the Authorization header would go to
 * wherever the Location points. The user is shown where it points (resolved against the endpoint;
 * without credentials, and with any query, which may hold a token, elided) and moves there knowingly.
 */
function redirectProblem(location: string | string[] | undefined, endpoint: string): string {
  const given = Array.isArray(location) ? location[0] : location;
  if (!given) return "redirect without a Location header";
  let target: string;
  try {
    const url = new URL(given, endpoint);
    target = `${url.origin}${url.pathname}${url.search ? "?…" : ""}`;
  } catch {
    target = "a Location that is not a URL";
  }
  return `redirects to ${target}; redirects are not followed (they could take the key elsewhere): give that URL as the endpoint`;
}

/**
 * An attempt's answer as read where it arrived: a success is already the caller's value (so neither
 * its text nor its JSON tree outlives the read: see HttpTransport.post), or what stopped it being
 * read; any other status is kept as it came, for the error handling (error bodies are small).
 */
type Reading<T> =
  | { kind: "read"; value: T; headers: HttpAnswer["headers"] }
  | { kind: "unreadable"; error: unknown }
  | { kind: "status"; answer: HttpAnswer; json: { value: unknown } | undefined };

/** Never throws (HttpTransport.post's contract): a failure to read is returned as "unreadable". */
function readAnswer<T>(answer: HttpAnswer, read: (json: unknown) => T): Reading<T> {
  const json = parseJson(answer.text);
  if (answer.status < 200 || answer.status >= 300) return { kind: "status", answer, json };
  try {
    if (json === undefined) throw malformed("body", `HTTP ${answer.status} answer is not JSON`);
    return { kind: "read", value: read(json.value), headers: answer.headers };
  } catch (error) {
    return { kind: "unreadable", error };
  }
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
