/**
 * The dialect tests' server: test/rerank/local-server.ts (a real HTTP server on 127.0.0.1:0 that
 * records every request as it arrived) answering with whatever the test declares, so dialect tests
 * see the bytes a provider would see. `url` is the origin: each test appends its provider's path.
 */
import { afterAll, beforeAll } from "vitest";
import { json, type RecordedRequest, startLocalServer } from "../local-server.js";

export type { RecordedRequest };

export interface Answer {
  status?: number;
  /** JSON, or a string sent as text/plain (a gateway's or axum's non-JSON error). */
  body: unknown;
  headers?: Record<string, string>;
}

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingServer(
  answer: (req: RecordedRequest) => Answer,
): Promise<RecordingServer> {
  const local = await startLocalServer((req, res) => {
    const out = answer(req);
    if (typeof out.body !== "string") return json(res, out.status ?? 200, out.body, out.headers);
    res.writeHead(out.status ?? 200, { "content-type": "text/plain", ...out.headers });
    res.end(out.body);
  });
  return { url: new URL(local.url).origin, requests: local.requests, close: local.close };
}

/** For a describe block: one server for all its tests, answering through the settable `respond`. */
export interface ServerFixture {
  server: RecordingServer;
  respond: (req: RecordedRequest) => Answer;
}

export function useRecordingServer(): ServerFixture {
  const fixture = {
    respond: () => ({ status: 500, body: { message: "no answer set" } }),
  } as unknown as ServerFixture;
  beforeAll(async () => {
    fixture.server = await startRecordingServer((req) => fixture.respond(req));
  });
  afterAll(() => fixture.server.close());
  return fixture;
}
