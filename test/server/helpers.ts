import { request as httpRequest } from "node:http";
import { afterEach } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server/index.js";

export interface Answer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers field by field and assert each one
  body: any;
}

/** POST JSON (or a raw string) with plain fetch: these tests must not depend on our rerank client. */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** A request through node:http, reporting a socket error (code) instead of throwing. */
export function rawPost(
  url: string,
  body: string,
  headers: Record<string, string | number> = {},
): Promise<{ status?: number; text?: string; errorCode?: string }> {
  return new Promise((resolve) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode, text }));
        res.on("error", (e: NodeJS.ErrnoException) => resolve({ errorCode: e.code ?? e.message }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) => resolve({ errorCode: e.code ?? e.message }));
    req.end(body);
  });
}

/** ~`bytes` of English-looking text, deterministic. */
export function makeDocument(i: number, bytes = 300): string {
  const vocab = [
    "river",
    "capital",
    "state",
    "running",
    "dogs",
    "mountain",
    "ocean",
    "city",
    "history",
    "law",
  ];
  let s = `document ${i}`;
  for (let k = 0; s.length < bytes; k++) s += ` ${vocab[(i * 7 + k * 3) % vocab.length]}`;
  return s;
}

/** The known-answer request (model bm25) that the server tests send when any valid request will do. */
export const KNOWN_ANSWER_REQUEST = {
  model: "bm25",
  query: KNOWN_ANSWER.query,
  documents: KNOWN_ANSWER.documents,
};

/**
 * `serve(opts)` starts an embedded server on 127.0.0.1 port 0; every server a test started is closed
 * after that test (afterEach), passed or failed. Call it at the top of the test file.
 */
export function serversClosedAfterEach(): (opts: ServerOptions) => Promise<RunningServer> {
  const running: RunningServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  return async (opts) => {
    const s = await startServer(opts);
    running.push(s);
    return s;
  };
}
