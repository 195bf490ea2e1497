import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { UsageError } from "../errors.js";
import { cohereAnswer, errorBody, rank, regoloAnswer } from "./answers.js";
import { ServiceSlots } from "./capacity.js";
import { PendingDelays, ServerClosing } from "./delays.js";
import { FaultPlan, TokenBucket } from "./faults.js";
import { MODELS, scoreDocuments } from "./models.js";
import { PauseGate } from "./pause.js";
import { ClientGone, parseRerankRequest, RequestError, type RouteDialect, readBody } from "./request.js";

/**
 * The embedded reference rerank server: real lexical scorers behind regolo's routes (`/rerank`,
 * `/v1/rerank`) and Cohere v2's (`/v2/rerank`), with seeded fault injection for tests and demos.
 * It stands alone: nothing here imports the rerank client, so it can check that client honestly.
 */

export interface ServerOptions {
  host?: string;
  port?: number;
  latencyMs?: number;
  perDocLatencyMs?: number;
  failRate?: number;
  rateLimitRps?: number;
  dropRate?: number;
  seed?: number;
  /** At most this many rerank requests in service at once; the rest queue FIFO (default: no bound). */
  capacity?: number;
  /** A pause of `pauseMs` starting `pauseAtMs` after the server listens (both or neither). */
  pauseAtMs?: number;
  pauseMs?: number;
  maxBodyBytes?: number;
  maxDocuments?: number;
  /** Access log lines: time, method, path, status, ms. Never headers (they carry keys). */
  log?: (line: string) => void;
}

export interface RunningServer {
  /** Origin, e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  /** Stalls every rerank request in service or arriving in the next `ms` until then (PauseGate). */
  pause(ms: number): void;
  /** Rerank requests in service and waiting for a slot now (waiting only with a capacity). */
  load(): { inService: number; queued: number };
  close(): Promise<void>;
}

export { MODELS } from "./models.js";

const DEFAULT_MAX_BODY_BYTES = 5 * 1024 * 1024;
const DEFAULT_MAX_DOCUMENTS = 10_000;

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

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer> {
  const o = checkOptions(opts);
  const bucket = o.rateLimitRps !== undefined ? new TokenBucket(o.rateLimitRps) : undefined;
  const faults = new FaultPlan(o.dropRate, o.failRate, o.seed);
  // Cancelled on close() so requests sleeping out an injected latency do not outlive the server.
  const delays = new PendingDelays();
  const slots = o.capacity !== undefined ? new ServiceSlots(o.capacity) : undefined;
  const pauses = new PauseGate(delays);
  let inService = 0;
  const log = opts.log;
  const dropped = new WeakSet<ServerResponse>();

  const server = createServer({ keepAlive: true }, (req, res) => {
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
    handle(req, res, path, query).catch((err: unknown) => {
      // Last resort: a bug must cost one request a 500, never the process.
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, {
          error: { message: `internal error: ${(err as Error)?.message}`, type: "server_error" },
        });
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on("clientError", (_err, socket: Socket) => {
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    else socket.destroy();
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: string,
  ): Promise<void> {
    const dialect = RERANK_ROUTES[path];
    if (path === PAUSE_ROUTE) return handlePause(req, res, query);
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
      inService++;
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
        sendJson(
          res,
          200,
          dialect === "cohere" ? cohereAnswer(request, ranked) : regoloAnswer(request, ranked),
        );
      } finally {
        inService--;
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
  function handlePause(req: IncomingMessage, res: ServerResponse, query: string): void {
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

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const scheduledPause =
    o.pauseAtMs !== undefined && o.pauseMs !== undefined
      ? setTimeout((ms: number) => pauses.pause(ms), o.pauseAtMs, o.pauseMs)
      : undefined;
  scheduledPause?.unref();
  const host = o.host.includes(":") ? `[${o.host}]` : o.host;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    pause(ms) {
      if (!Number.isFinite(ms) || ms < 0)
        throw new UsageError(`pause must be a number of ms >= 0, got ${ms}`);
      pauses.pause(ms);
    },
    load: () => ({ inService, queued: slots?.queued ?? 0 }),
    close() {
      closed ??= new Promise<void>((resolve) => {
        clearTimeout(scheduledPause);
        slots?.close();
        delays.cancelAll();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

const PAUSE_ROUTE = "/admin/pause";
/** An hour: longer is a typo, and a server stuck for days is no test. */
const MAX_PAUSE_MS = 3_600_000;

function splitUrl(url: string | undefined): [path: string, query: string] {
  const u = url ?? "/";
  const q = u.indexOf("?");
  return q < 0 ? [u, ""] : [u.slice(0, q), u.slice(q + 1)];
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
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

type CheckedOptions = Required<
  Omit<ServerOptions, "log" | "rateLimitRps" | "capacity" | "pauseAtMs" | "pauseMs">
> &
  Pick<ServerOptions, "rateLimitRps" | "capacity" | "pauseAtMs" | "pauseMs">;

/** Bad settings are a usage error (exit 2), not a server that silently does something else. */
function checkOptions(opts: ServerOptions): CheckedOptions {
  const nonNegative = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isFinite(v) || v < 0) throw new UsageError(`${name} must be a number >= 0, got ${v}`);
    return v;
  };
  const probability = (name: string, v: number | undefined) => {
    const p = nonNegative(name, v, 0);
    if (p > 1) throw new UsageError(`${name} must be between 0 and 1, got ${p}`);
    return p;
  };
  const positiveInt = (name: string, v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
    return v;
  };
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`port must be 0..65535, got ${port}`);
  const seed = opts.seed ?? 0;
  if (!Number.isInteger(seed)) throw new UsageError(`seed must be an integer, got ${seed}`);
  let rateLimitRps: number | undefined;
  if (opts.rateLimitRps !== undefined) {
    rateLimitRps = opts.rateLimitRps;
    if (!Number.isFinite(rateLimitRps) || rateLimitRps <= 0) {
      throw new UsageError(`rate limit must be a number of requests/s > 0, got ${rateLimitRps}`);
    }
  }
  if ((opts.pauseAtMs === undefined) !== (opts.pauseMs === undefined))
    throw new UsageError("a pause needs both its start (pause at ms) and its length (pause ms)");
  return {
    host: opts.host ?? "127.0.0.1",
    port,
    latencyMs: nonNegative("latency", opts.latencyMs, 0),
    perDocLatencyMs: nonNegative("per-document latency", opts.perDocLatencyMs, 0),
    failRate: probability("fail rate", opts.failRate),
    dropRate: probability("drop rate", opts.dropRate),
    rateLimitRps,
    seed,
    capacity: opts.capacity === undefined ? undefined : positiveInt("capacity", opts.capacity, 1),
    pauseAtMs: opts.pauseAtMs === undefined ? undefined : nonNegative("pause start", opts.pauseAtMs, 0),
    pauseMs: opts.pauseMs === undefined ? undefined : nonNegative("pause length", opts.pauseMs, 0),
    maxBodyBytes: positiveInt("max body bytes", opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    maxDocuments: positiveInt("max documents", opts.maxDocuments, DEFAULT_MAX_DOCUMENTS),
  };
}
