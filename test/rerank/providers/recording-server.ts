/**
 * A real HTTP server on 127.0.0.1 (port 0) that records every request exactly as it arrived and
 * answers with whatever the test says, so dialect tests see the bytes a provider would see.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  bodyText: string;
  /** The parsed JSON body (undefined when it is not JSON). */
  body: unknown;
}

export interface Answer {
  status?: number;
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
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const bodyText = Buffer.concat(chunks).toString("utf8");
      let body: unknown;
      try {
        body = JSON.parse(bodyText);
      } catch {
        body = undefined;
      }
      const recorded = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        bodyText,
        body,
      };
      requests.push(recorded);
      const out = answer(recorded);
      const text = typeof out.body === "string" ? out.body : JSON.stringify(out.body);
      const type = typeof out.body === "string" ? "text/plain" : "application/json";
      res.writeHead(out.status ?? 200, { "content-type": type, ...out.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
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
