import { getEventListeners } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { linkAbort } from "../../src/rerank/abort.js";
import { createReranker } from "../../src/rerank/client.js";
import type { Reranker } from "../../src/rerank/types.js";
import { json, type LocalServer, regoloAnswer, regoloConfig, startLocalServer } from "./local-server.js";

describe("linkAbort", () => {
  it("keeps one listener per signal however many calls share it, and removes it after the last", () => {
    const shared = new AbortController();
    const unlinks = Array.from({ length: 50 }, () => linkAbort(shared.signal, new AbortController()));
    expect(getEventListeners(shared.signal, "abort")).toHaveLength(1);
    for (const unlink of unlinks) unlink();
    expect(getEventListeners(shared.signal, "abort")).toHaveLength(0);
  });

  it("aborts every linked call with the caller's reason, including an already aborted signal", () => {
    const shared = new AbortController();
    const calls = [new AbortController(), new AbortController()];
    const unlinks = calls.map((c) => linkAbort(shared.signal, c));
    const done = new AbortController();
    linkAbort(shared.signal, done)(); // a finished call is not aborted later
    shared.abort("user cancelled");
    expect(calls.map((c) => c.signal.reason)).toEqual(["user cancelled", "user cancelled"]);
    expect(done.signal.aborted).toBe(false);
    for (const unlink of unlinks) unlink();
    const late = new AbortController();
    linkAbort(shared.signal, late);
    expect(late.signal.reason).toBe("user cancelled");
  });
});

describe("one caller signal shared by many concurrent rerank calls", () => {
  let server: LocalServer | undefined;
  let reranker: Reranker | undefined;
  afterEach(async () => {
    await reranker?.close();
    await server?.close();
    reranker = server = undefined;
  });

  it.each([
    ["4 chunks each", 1, 4],
    ["one request each", undefined, 1],
  ])(
    "30 calls of %s: no MaxListenersExceededWarning, no listener left behind",
    async (_, maxDocs, requests) => {
      server = await startLocalServer(async (req, res) => {
        await new Promise((r) => setTimeout(r, 20));
        json(res, 200, regoloAnswer(req));
      });
      reranker = createReranker(regoloConfig(server.url, maxDocs ? { maxDocsPerRequest: maxDocs } : {}));
      const shared = new AbortController();
      const warnings: Error[] = [];
      const onWarning = (w: Error) => warnings.push(w);
      process.on("warning", onWarning);
      try {
        const client = reranker;
        const results = await Promise.all(
          Array.from({ length: 30 }, () =>
            client.rerank("q", ["a", "b", "c", "d"], { signal: shared.signal }),
          ),
        );
        expect(results.every((r) => r.requests === requests && r.items.length === 4)).toBe(true);
        await new Promise((r) => setTimeout(r, 20)); // warnings are emitted on a later tick
      } finally {
        process.off("warning", onWarning);
      }
      expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
      expect(getEventListeners(shared.signal, "abort")).toHaveLength(0);
    },
  );

  it("aborting the shared signal stops every call in flight at once", async () => {
    server = await startLocalServer(() => {}); // never answers
    reranker = createReranker(regoloConfig(server.url));
    const shared = new AbortController();
    const client = reranker;
    const calls = Array.from({ length: 20 }, () =>
      client.rerank("q", ["a", "b"], { signal: shared.signal }).catch((e: unknown) => e),
    );
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    shared.abort();
    const outcomes = await Promise.all(calls);
    expect(performance.now() - t0).toBeLessThan(1000);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ kind: "aborted", retryable: false });
  });
});
