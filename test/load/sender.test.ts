/**
 * The open-loop sender against a real loopback server: the schedule is kept whatever the server
 * does, requests beyond --max-in-flight are dropped and counted (never queued in the client), a
 * step records exactly --requests after its warmup, and latency runs from the intended time.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStep, type Send } from "../../src/load/index.js";

let url: string;
let close: () => Promise<void>;
let delayMs = 0;
let failEvery = 0;
let served = 0;
beforeAll(async () => {
  const server = createServer(async (req, res) => {
    for await (const _ of req);
    served++;
    if (delayMs) await sleep(delayMs);
    if (failEvery && served % failEvery === 0) {
      res.writeHead(503).end("busy");
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
});
afterAll(() => close());

function httpSend(pool: Pool): Send {
  return async (_seq, _recorded, signal) => {
    try {
      const res = await pool.request({ method: "POST", path: "/", body: "{}", signal });
      await res.body.text();
      return res.statusCode === 200 ? { ok: true } : { ok: false, kind: `http ${res.statusCode}` };
    } catch {
      return { ok: false, kind: "network" };
    }
  };
}

describe("runStep", () => {
  it("drops what exceeds --max-in-flight, counts it, and keeps the schedule", async () => {
    delayMs = 300;
    failEvery = 0;
    const pool = new Pool(url);
    try {
      const o = await runStep(
        { rate: 50, arrival: "constant", seed: 0, warmupMs: 0, durationMs: 1000, maxInFlight: 5 },
        httpSend(pool),
      );
      // 50 intended in the second; 5 out at a time for 300 ms each: about 20 sent, the rest dropped.
      expect(o.requests).toBe(50);
      expect(o.dropped).toBeGreaterThan(20);
      expect(o.ok + o.dropped).toBe(50);
      expect(o.latency.count).toBe(o.ok);
      expect(o.latency.at(50)).toBeGreaterThanOrEqual(295);
      expect(o.achievedRate).toBeLessThan(30);
    } finally {
      await pool.close();
    }
  });

  it("records exactly --requests after the warmup, with errors by kind and by second", async () => {
    delayMs = 2;
    failEvery = 4;
    served = 0;
    const pool = new Pool(url);
    const seen: boolean[] = [];
    try {
      const send = httpSend(pool);
      const o = await runStep(
        { rate: 200, arrival: "poisson", seed: 3, warmupMs: 250, requests: 120, maxInFlight: 1000 },
        (seq, recorded, signal) => {
          seen[seq] = recorded;
          return send(seq, recorded, signal);
        },
      );
      expect(o.requests).toBe(120);
      expect(o.dropped).toBe(0);
      expect(seen.filter((r) => r).length).toBe(120);
      expect(seen.slice(0, seen.indexOf(true)).length).toBeGreaterThan(20);
      expect(o.ok + o.errors).toBe(120);
      expect(o.errorsByKind["http 503"]).toBe(o.errors);
      expect(o.errors).toBeGreaterThan(5);
      const overTime = o.errorsOverTime.reduce((s, b) => s + (b.byKind["http 503"] ?? 0), 0);
      expect(overTime).toBe(o.errors);
      // Lag is measured for every sent request; its size is the bench's business (bench/load.ts): a
      // shared CI core can be late by tens of ms, so this only checks it is not the latency.
      expect(o.lag.count).toBe(120);
      expect(o.lag.at(50)).toBeLessThan(100);
    } finally {
      await pool.close();
    }
  });

  it("measures from the intended time: a server stalled for 600 ms shows in the latencies of the requests due meanwhile", async () => {
    delayMs = 2;
    failEvery = 0;
    const pool = new Pool(url);
    try {
      const send = httpSend(pool);
      let stalled = false;
      const o = await runStep(
        { rate: 100, arrival: "constant", seed: 0, warmupMs: 0, durationMs: 1500, maxInFlight: 1000 },
        async (seq, recorded, signal) => {
          // Requests 40..99 wait until 1.0 s: those due at 0.4 s waited 600 ms, not 2 ms.
          if (seq >= 40 && seq < 100) {
            stalled = true;
            await sleep(Math.max(0, 1000 - seq * 10));
          }
          return send(seq, recorded, signal);
        },
      );
      expect(stalled).toBe(true);
      expect(o.requests).toBe(150);
      expect(o.latency.percentiles().max).toBeGreaterThan(550);
      expect(o.latency.at(90)).toBeGreaterThan(200);
    } finally {
      await pool.close();
    }
  });

  it("stops at once when its signal aborts", async () => {
    delayMs = 5;
    const pool = new Pool(url);
    try {
      const stop = new AbortController();
      setTimeout(() => stop.abort("SIGINT"), 300);
      const started = performance.now();
      const o = await runStep(
        { rate: 100, arrival: "constant", seed: 0, warmupMs: 0, durationMs: 10_000, maxInFlight: 100 },
        httpSend(pool),
        stop.signal,
      );
      expect(performance.now() - started).toBeLessThan(2000);
      expect(o.stopped).toBe(true);
      expect(o.requests).toBeLessThan(100);
    } finally {
      await pool.close();
    }
  });
});
