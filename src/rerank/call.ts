/**
 * One rerank request with retries: send, classify the answer, wait as the server asks (or back off
 * with full jitter), repeat. Returns the parsed JSON body plus the attempt count and per-attempt
 * latencies; failures become one-line ApiErrors that never carry the key.
 */
import { ApiError } from "../errors.js";
import { count } from "../text/words.js";
import type { Credentials } from "./credentials.js";
import { extractErrorMessage } from "./dialects/common.js";
import { describeNetworkError, type HttpAnswer, type HttpTransport } from "./http.js";
import { backoffDelayMs, isRetryableStatus, MAX_RETRY_AFTER_MS, retryAfterMs, sleep } from "./retry.js";
import type { BuiltRequest, Dialect } from "./types.js";

export interface CallPolicy {
  /** The dialect's name, as error messages show it. */
  dialect: string;
  /** Origin of the endpoint, for messages (never the path or query, which may hold tokens). */
  origin: string;
  /** The endpoint's full URL: only to resolve a relative redirect, never printed whole. */
  endpoint: string;
  retries: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export interface CallOutcome {
  json: unknown;
  /** Headers of the successful answer (some servers report usage only there). */
  headers: HttpAnswer["headers"];
  attempts: number;
  attemptLatenciesMs: number[];
}

export async function callWithRetries(
  transport: HttpTransport,
  credentials: Credentials,
  dialect: Dialect,
  policy: CallPolicy,
  payload: BuiltRequest,
  signal?: AbortSignal,
): Promise<CallOutcome> {
  const body = JSON.stringify(payload.body);
  const latencies: number[] = [];
  const name = policy.dialect;

  for (let attempt = 1; ; attempt++) {
    const headers = {
      "content-type": "application/json",
      accept: "application/json",
      ...payload.headers,
      ...credentials.authHeaders(),
    };
    const started = performance.now();
    let answer: HttpAnswer;
    try {
      answer = await transport.post(body, headers, signal);
    } catch (err) {
      latencies.push(performance.now() - started);
      const failure = describeNetworkError(err, signal);
      if (!failure.retryable || attempt > policy.retries) {
        throw new ApiError(
          credentials.redact(
            `${name} ${policy.origin}: ${failure.description} (after ${count(attempt, "attempt")})`,
          ),
          {
            kind: failure.kind,
            retryable: failure.retryable,
            attempts: attempt,
            attemptLatenciesMs: latencies,
          },
        );
      }
      await pause(
        backoffDelayMs(attempt - 1, policy.baseBackoffMs, policy.maxBackoffMs),
        signal,
        attempt,
        latencies,
      );
      continue;
    }
    latencies.push(performance.now() - started);

    const parsedBody = parseJson(answer.text);
    if (answer.status >= 200 && answer.status < 300) {
      if (parsedBody === undefined) {
        const problem = `answer malformed: field 'body': HTTP ${answer.status} answer is not JSON`;
        throw new ApiError(`${name} ${problem} (after ${count(attempt, "attempt")})`, {
          kind: "malformed",
          retryable: false,
          field: "body",
          attempts: attempt,
          attemptLatenciesMs: latencies,
        });
      }
      return {
        json: parsedBody.value,
        headers: answer.headers,
        attempts: attempt,
        attemptLatenciesMs: latencies,
      };
    }

    if (answer.status >= 300 && answer.status < 400) {
      throw new ApiError(
        credentials.redact(
          `${name} ${answer.status} ${redirectProblem(answer.headers.location, policy.endpoint)} (after ${count(attempt, "attempt")})`,
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
    const fail = (suffix: string) =>
      new ApiError(`${name} ${answer.status} ${message} (${suffix}after ${count(attempt, "attempt")})`, {
        kind: "http",
        status: answer.status,
        retryable,
        attempts: attempt,
        providerMessage: message,
        attemptLatenciesMs: latencies,
      });
    if (!retryable || attempt > policy.retries) throw fail("");
    const asked = retryAfterMs(answer.headers, parsedBody?.value);
    if (asked !== undefined && asked > Math.max(MAX_RETRY_AFTER_MS, policy.maxBackoffMs)) {
      throw fail(`server asked to retry after ${Math.round(asked / 1000)} s; `);
    }
    const delay = asked ?? backoffDelayMs(attempt - 1, policy.baseBackoffMs, policy.maxBackoffMs);
    await pause(delay, signal, attempt, latencies);
  }
}

async function pause(ms: number, signal: AbortSignal | undefined, attempt: number, latencies: number[]) {
  try {
    await sleep(ms, signal);
  } catch {
    throw new ApiError(`aborted by the caller (after ${count(attempt, "attempt")})`, {
      kind: "aborted",
      retryable: false,
      attempts: attempt,
      attemptLatenciesMs: latencies,
    });
  }
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

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
