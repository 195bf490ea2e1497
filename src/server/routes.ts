/**
 * A request's way through the embedded server: the access log line, the routing (rerank POSTs by
 * dialect, the pause admin route, the constant GET routes), and the rerank handler's stages: rate
 * limit, injected fault, body, capacity slot, pause and latency, scoring, answer. What the handlers
 * share with the server's lifecycle (index.ts) is one ServerState.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { cohereAnswerText, errorBody, rank, regoloAnswerText } from "./answers.js";
import type { ServiceSlots } from "./capacity.js";
import { type PendingDelays, ServerClosing } from "./delays.js";
import type { FaultPlan, TokenBucket } from "./faults.js";
import { MODELS, scoreDocuments } from "./models.js";
import type { CheckedOptions } from "./options.js";
import type { PauseGate } from "./pause.js";
import { ClientGone, parseRerankRequest, RequestError, type RouteDialect, readBody } from "./request.js";

/** The options and the fault, capacity and pause machinery of one server, and its live count. */
export interface ServerState {
  o: CheckedOptions;
  bucket: TokenBucket | undefined;
  faults: FaultPlan;
  /** Cancelled on close() so requests sleeping out an injected latency do not outlive the server. */
  delays: PendingDelays;
  slots: ServiceSlots | undefined;
  pauses: PauseGate;
  /** Rerank requests in service now (RunningServer.load). */
  inService: number;
}

const RERANK_ROUTES: Record<string, RouteDialect> = {
  "/rerank": "regolo",
  "/v1/rerank": "regolo",
  "/v2/rerank": "cohere",
};

/** The GET routes: constant answers. */
const INFO_ROUTES: Record<string, unknown> = {
  "/health": { status: "ok" },
  "/v1/models": {
    object: "list",
    data: MODELS.map((id) => ({ id, object: "model", owned_by: "rerank-eval" })),
  },
};

const PAUSE_ROUTE = "/admin/pause";
/** An hour: longer is a typo, and a server stuck for days is no test. */
const MAX_PAUSE_MS = 3_600_000;

/** The server's request listener: each request routed and handled, and logged when `log` is given. */
export function requestListener(
  s: ServerState,
  log: ((line: string) => void) | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  const dropped = new WeakSet<ServerResponse>();
  return (req, res) => {
    const started = performance.now();
    const [path, query] = splitUrl(req.url);
    if (log) {
      // "finish" is an answer sent; "close" without it is a client that left, or a dropped connection.
      res.on("close", () => {
        const outcome = res.writableFinished
          ? String(res.statusCode)
          : dropped.has(res)
            ? "dropped"
            : "aborted";
        log(accessLine(req.method, path, outcome, started));
      });
    }
    handle(s, dropped, req, res, path, query).catch((err: unknown) => {
      // Last resort: a bug must cost one request a 500, never the process.
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, {
          error: { message: `internal error: ${(err as Error)?.message}`, type: "server_error" },
        });
      }
    });
  };
}

async function handle(
  s: ServerState,
  dropped: WeakSet<ServerResponse>,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): Promise<void> {
  const { o, bucket, faults, delays, slots, pauses } = s;
  const dialect = RERANK_ROUTES[path];
  if (path === PAUSE_ROUTE) return handlePause(pauses, req, res, query);
  if (dialect === undefined) return handleOther(req, res, path);
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    return sendError(
      res,
      dialect,
      new RequestError(405, "method_not_allowed", `method ${req.method} not allowed on ${path}; use POST`),
    );
  }
  if (bucket) {
    const grant = bucket.take();
    if (!grant.ok) {
      res.setHeader("Retry-After", String(grant.retryAfterSeconds));
      return sendError(
        res,
        dialect,
        new RequestError(429, "rate_limit_exceeded", `rate limit of ${o.rateLimitRps} requests/s exceeded`),
      );
    }
  }
  const fate = faults.decide();
  try {
    const body = await readBody(req, o.maxBodyBytes);
    if (fate === "drop") {
      // RST rather than FIN: the client sees ECONNRESET, as when a proxy or backend dies mid-call.
      dropped.add(res);
      req.socket.resetAndDestroy();
      return;
    }
    const request = parseRerankRequest(body, dialect, o.maxDocuments);
    // Queued for a slot, then in service: the pause, the latency, the scoring and the answer.
    const release = slots ? await slots.acquire() : undefined;
    s.inService++;
    try {
      if (req.socket.destroyed) return; // the client gave up while queued: it costs no service
      await pauses.wait();
      const delay = o.latencyMs + o.perDocLatencyMs * request.documents.length;
      if (delay > 0) await delays.wait(delay);
      await pauses.wait(); // paused mid-service: the answer waits for the pause's end too
      if (req.socket.destroyed) return; // the client gave up while we slept: skip the scoring
      if (fate === "fail") {
        return sendError(
          res,
          dialect,
          new RequestError(
            503,
            "service_unavailable",
            "the model is temporarily overloaded (injected failure)",
          ),
        );
      }
      const ranked = rank(
        scoreDocuments(request.model, request.query, request.documents, o.seed),
        request.topN,
      );
      sendText(
        res,
        200,
        dialect === "cohere" ? cohereAnswerText(request, ranked) : regoloAnswerText(request, ranked),
      );
    } finally {
      s.inService--;
      release?.();
    }
  } catch (err) {
    if (err instanceof RequestError) {
      // A 413 leaves the rest of the upload unread: close the connection rather than reuse it.
      if (err.status === 413) res.setHeader("Connection", "close");
      return sendError(res, dialect, err);
    }
    if (err instanceof ClientGone || err instanceof ServerClosing || delays.closed) {
      if (!res.destroyed) res.destroy();
      return;
    }
    throw err;
  }
}

/** POST /admin/pause?ms=D: a pause a test can start at the moment it chooses. */
function handlePause(pauses: PauseGate, req: IncomingMessage, res: ServerResponse, query: string): void {
  if (req.method !== "POST") {
    res.setHeader("Allow", "POST");
    const msg = `method ${req.method} not allowed on ${PAUSE_ROUTE}; use POST`;
    sendError(res, "regolo", new RequestError(405, "method_not_allowed", msg));
    return;
  }
  const raw = new URLSearchParams(query).get("ms");
  const ms = raw === null || raw.trim() === "" ? Number.NaN : Number(raw);
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_PAUSE_MS) {
    const msg = `${PAUSE_ROUTE} needs ms=0..${MAX_PAUSE_MS} (milliseconds), got ${raw === null ? "none" : `'${raw}'`}`;
    sendError(res, "regolo", new RequestError(400, "invalid_request", msg, "ms"));
    return;
  }
  pauses.pause(ms);
  req.resume(); // any body is ignored; drained so the connection can be reused
  sendJson(res, 200, { paused_ms: ms, remaining_ms: Math.round(pauses.remainingMs) });
}

function handleOther(req: IncomingMessage, res: ServerResponse, path: string): void {
  const answer = INFO_ROUTES[path];
  if (answer === undefined) {
    sendError(res, "regolo", new RequestError(404, "route_not_found", `no route ${path}`));
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    sendError(
      res,
      "regolo",
      new RequestError(405, "method_not_allowed", `method ${req.method} not allowed on ${path}; use GET`),
    );
    return;
  }
  sendJson(res, 200, answer);
}

function splitUrl(url: string | undefined): [path: string, query: string] {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? [u, ""] : [u.slice(0, q), u.slice(q + 1)];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  sendText(res, status, JSON.stringify(body));
}

/** A JSON answer already written as text (the rerank answers, answers.ts). */
function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

function sendError(res: ServerResponse, dialect: RouteDialect, err: RequestError): void {
  sendJson(res, err.status, errorBody(dialect, err.status, err.code, err.message, err.param));
}

function accessLine(method: string | undefined, path: string, status: string, started: number): string {
  const ms = (performance.now() - started).toFixed(1);
  return `${new Date().toISOString()} ${method ?? "-"} ${path} ${status} ${ms}ms`;
}
