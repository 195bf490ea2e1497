/**
 * Test helper: a real node:http server on 127.0.0.1:0 whose every answer the test scripts, recording
 * each request (arrival time, headers, parsed body) so retry timing and wire details can be measured.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { ApiError } from "../../src/errors.js";

export const CANARY_KEY = "sk-CANARY-7f3e9a1b2c4d";

export interface RecordedRequest {
  /** performance.now() when the request body had fully arrived. */
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: { model?: string; query?: string; documents?: string[]; top_n?: number; [k: string]: unknown };
  /** 1-based arrival number. */
  n: number;
  /** Client port of the connection: equal ports mean a reused keep-alive connection. */
  remotePort?: number;
}

export type Handler = (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;

export interface LocalServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startLocalServer(handler: Handler): Promise<LocalServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: RecordedRequest["body"] = {};
      try {
        body = text ? JSON.parse(text) : {};
      } catch {
        body = { unparsed: text };
      }
      const recorded: RecordedRequest = {
        at: performance.now(),
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body,
        n: requests.length + 1,
        remotePort: req.socket.remotePort,
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((err) => {
        if (!res.headersSent) json(res, 500, { error: { message: String(err) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/rerank`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

/** regolo's current answer shape, sorted, scoring each document with `score(doc, i)`. */
export function regoloAnswer(
  req: RecordedRequest,
  score: (doc: string, i: number) => number = (_d, i) => 1 / (i + 1),
) {
  const docs = req.body.documents ?? [];
  const results = docs
    .map((doc, index) => ({ index, relevance_score: score(doc, index), document: { text: doc } }))
    .sort((a, b) => b.relevance_score - a.relevance_score || a.index - b.index);
  const topN = req.body.top_n;
  return { id: "rerank-0123456789abcdef", results: topN ? results.slice(0, topN) : results, meta: null };
}

/** A config for the regolo dialect against a local server, with the canary as its key. */
export function regoloConfig(url: string, extra: Record<string, unknown> = {}) {
  return {
    provider: "regolo",
    endpoint: url,
    model: "test-model",
    env: { REGOLO_API_KEY: CANARY_KEY },
    baseBackoffMs: 1,
    ...extra,
  };
}

/** The ApiError a call rejects with (the test fails when it resolves or rejects with anything else). */
export async function apiFailure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}
