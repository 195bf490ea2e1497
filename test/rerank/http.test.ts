/**
 * HttpTransport reads each answer whole through undici's dispatch handler (not request()'s body
 * stream): what body.text() did for free must still hold: the answer's own status and headers after
 * a 1xx, a UTF-8 byte order mark dropped, a multi-chunk body joined, and an abort honoured whether
 * the request is on a socket or still waiting for one.
 */
import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUTS, type HttpAnswer, HttpTransport } from "../../src/rerank/http.js";
import { type LocalServer, startLocalServer } from "./local-server.js";

let server: LocalServer | undefined;
let transport: HttpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  transport = server = undefined;
});

const open = (url: string) => new HttpTransport(new URL(url), DEFAULT_TIMEOUTS);
/** The answer as it came, for the tests of the transport itself. */
const asItCame = (answer: HttpAnswer) => answer;

describe("HttpTransport.post", () => {
  it("answers the final status and headers after a 103, drops a BOM and joins a body sent in pieces", async () => {
    server = await startLocalServer(async (_req, res) => {
      res.writeEarlyHints({ link: "</style.css>; rel=preload" });
      res.writeHead(201, { "content-type": "application/json", "x-compute-tokens": "7" });
      res.write(Buffer.from([0xef, 0xbb, 0xbf]));
      res.write('{"results":[{"index":0,');
      await new Promise((r) => setTimeout(r, 10));
      res.end('"relevance_score":0.5,"text":"café ☕"}]}');
    });
    transport = open(server.url);
    const answer = await transport.post('{"q":1}', { "content-type": "application/json" }, {}, asItCame);
    expect(answer.status).toBe(201);
    expect(answer.headers["x-compute-tokens"]).toBe("7");
    expect(answer.text.charCodeAt(0)).toBe("{".charCodeAt(0));
    expect(JSON.parse(answer.text)).toEqual({
      results: [{ index: 0, relevance_score: 0.5, text: "café ☕" }],
    });
    expect(server.requests[0].body).toEqual({ q: 1 });
  });

  it("resolves with what the reader made of the answer, read once where it arrived", async () => {
    server = await startLocalServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"results":[{"index":1,"relevance_score":0.9},{"index":0,"relevance_score":0.1}]}');
    });
    transport = open(server.url);
    const seen: string[] = [];
    const read = (answer: HttpAnswer) => {
      seen.push(answer.text);
      return {
        status: answer.status,
        order: JSON.parse(answer.text).results.map((r: { index: number }) => r.index),
      };
    };
    expect(await transport.post("{}", {}, {}, read)).toEqual({ status: 200, order: [1, 0] });
    expect(seen).toHaveLength(1);
  });

  it("rejects at once on abort, on a socket or before one, and leaves no listener on the signal", async () => {
    server = await startLocalServer(() => {}); // never answers
    transport = open(server.url);
    const inFlight = new AbortController();
    const pending = transport.post("{}", {}, { signal: inFlight.signal }, asItCame).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.requests).toHaveLength(1);
    const t0 = performance.now();
    inFlight.abort(new Error("stop"));
    expect(await pending).toMatchObject({ message: "stop" });
    expect(performance.now() - t0).toBeLessThan(500);

    const early = new AbortController();
    early.abort(new Error("never sent"));
    await expect(transport.post("{}", {}, { signal: early.signal }, asItCame)).rejects.toThrow("never sent");

    const done = new AbortController();
    const quick = await startLocalServer((_req, res) => {
      res.end("{}");
    });
    const other = open(quick.url);
    try {
      expect((await other.post("{}", {}, { signal: done.signal }, asItCame)).text).toBe("{}");
      expect(getEventListeners(done.signal, "abort")).toHaveLength(0);
    } finally {
      await other.close();
      await quick.close();
    }
  });
});
