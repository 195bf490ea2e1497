/**
 * The open-loop sender against a real loopback server: the schedule is kept whatever the server
 * does, requests beyond --max-in-flight are dropped and counted (never queued in the client), at
 * most --connections are on the wire and the rest wait in order with their wait measured, a step
 * records exactly --requests after its warmup, and latency runs from the intended time.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runStep, type Send, type StepSpec } from "../../src/load/index.js";

let url: string;
let close: () => Promise<void>;
let delayMs = 0;
let failEvery = 0;
let served = 0;
/** Requests the server is handling now, the most at once, and their arrival order. */
let active = 0;
let mostActive = 0;
const arrivals: number[] = [];
beforeAll(async () => {
  const server = createServer(async (req, res) => {
    active++;
    mostActive = Math.max(mostActive, active);
    res.on("close", () => active--);
    arrivals.push(Number(req.headers["x-seq"]));
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

/** Each request as a POST on `pool`; `onSend` sees each one as the sender lets it go. */
function httpSend(pool: Pool, onSend?: (seq: number, recorded: boolean) => void): Send {
  return async (seq, recorded, signal) => {
    onSend?.(seq, recorded);
    try {
      const headers = { "x-seq": String(seq) };
      const res = await pool.request({ method: "POST", path: "/", body: "{}", headers, signal });
      await res.body.text();
      return res.statusCode === 200 ? { ok: true } : { ok: false, kind: `http ${res.statusCode}` };
    } catch {
      return { ok: false, kind: "network" };
    }
  };
}

/** A step's spec: constant arrivals from seed 0, no warmup, 1,000 in flight, unless given. */
const step = (
  s: Omit<StepSpec, "arrival" | "seed" | "warmupMs" | "maxInFlight"> & Partial<StepSpec>,
): StepSpec => ({
  arrival: "constant",
  seed: 0,
  warmupMs: 0,
  maxInFlight: 1000,
  ...s,
});

/** `use` with a fresh, unbounded pool to the test server, closed after. */
async function withPool(use: (pool: Pool) => Promise<void>): Promise<void> {
  const pool = new Pool(url);
  try {
    await use(pool);
  } finally {
    await pool.close();
  }
}

/** The step over `pool`, stopped (as by a Ctrl-C) after `ms`; and how long it took from its start. */
async function stoppedAfter(ms: number, pool: Pool, spec: StepSpec) {
  const stop = new AbortController();
  setTimeout(() => stop.abort("SIGINT"), ms);
  const started = performance.now();
  const o = await runStep(spec, httpSend(pool), stop.signal);
  return { o, elapsedMs: performance.now() - started };
}

describe("runStep", () => {
  it("drops what exceeds --max-in-flight, counts it, and keeps the schedule", async () => {
    delayMs = 300;
    failEvery = 0;
    await withPool(async (pool) => {
      const o = await runStep(step({ rate: 50, durationMs: 1000, maxInFlight: 5 }), httpSend(pool));
      // 50 intended in the second; 5 out at a time for 300 ms each: about 20 sent, the rest dropped.
      expect(o.requests).toBe(50);
      expect(o.dropped).toBeGreaterThan(20);
      expect(o.ok + o.dropped).toBe(50);
      expect(o.latency.count).toBe(o.ok);
      expect(o.latency.at(50)).toBeGreaterThanOrEqual(295);
      expect(o.achievedRate).toBeLessThan(30);
    });
  });

  it("keeps at most --connections on the wire: the rest wait in order, their wait in their latency and counted apart", async () => {
    delayMs = 100;
    failEvery = 0;
    mostActive = 0;
    arrivals.length = 0;
    // An unbounded pool: only the sender's bound keeps the server to 3 at once (load also bounds its
    // pool, for the moment an answered connection is not yet free: test/cli/load.test.ts).
    await withPool(async (pool) => {
      // The order the sender lets them go. The server's arrival order can differ by a request or two:
      // a request sent on a new connection arrives after the next one sent on a connection already
      // open (the unbounded pool opens one when an answered connection is not free yet).
      const launched: number[] = [];
      const o = await runStep(
        step({ rate: 100, durationMs: 1000, connections: 3 }),
        httpSend(pool, (seq) => launched.push(seq)),
      );
      // 3 on the wire for 100 ms each serve ~30/s: of 100 due in the second, none is dropped, most wait.
      expect(mostActive).toBe(3);
      expect(launched).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect([...arrivals].sort((a, b) => a - b)).toEqual(launched);
      expect(o.requests).toBe(100);
      expect(o.dropped).toBe(0);
      expect(o.ok).toBe(100);
      expect(o.waited).toBeGreaterThan(80);
      expect(o.connectionWait.count).toBe(100);
      // The last due at 0.99 s goes out after ~3.3 s of service: a wait of over 2 s, in its latency too.
      expect(o.connectionWait.percentiles().max).toBeGreaterThan(2000);
      expect(o.latency.percentiles().max).toBeGreaterThan(o.connectionWait.percentiles().max + 95);
      // Waiting for a connection is not the sender being late.
      expect(o.lag.at(99)).toBeLessThan(100);
      expect(o.achievedRate).toBeLessThan(35);
    });
  });

  it("a stop while requests wait for a connection ends the step at once, the waiting ones never sent", async () => {
    delayMs = 200;
    failEvery = 0;
    arrivals.length = 0;
    await withPool(async (pool) => {
      const { o, elapsedMs } = await stoppedAfter(
        500,
        pool,
        step({ rate: 100, durationMs: 10_000, connections: 2 }),
      );
      expect(elapsedMs).toBeLessThan(1500);
      expect(o.stopped).toBe(true);
      // ~50 due by the stop, ~6 sent: the rest waited and went nowhere after it.
      expect(o.requests).toBeGreaterThan(40);
      expect(arrivals.length).toBeLessThan(10);
      await sleep(300);
      expect(arrivals.length).toBeLessThan(10);
    });
  });

  it("records exactly --requests after the warmup, with errors by kind and by second", async () => {
    delayMs = 2;
    failEvery = 4;
    served = 0;
    const seen: boolean[] = [];
    await withPool(async (pool) => {
      const o = await runStep(
        step({ rate: 200, arrival: "poisson", seed: 3, warmupMs: 250, requests: 120 }),
        httpSend(pool, (seq, recorded) => {
          seen[seq] = recorded;
        }),
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
    });
  });

  it("measures from the intended time: a server stalled for 600 ms shows in the latencies of the requests due meanwhile", async () => {
    delayMs = 2;
    failEvery = 0;
    await withPool(async (pool) => {
      const send = httpSend(pool);
      let stalled = false;
      const o = await runStep(step({ rate: 100, durationMs: 1500 }), async (seq, recorded, signal) => {
        // Requests 40..99 wait until 1.0 s: those due at 0.4 s waited 600 ms, not 2 ms.
        if (seq >= 40 && seq < 100) {
          stalled = true;
          await sleep(Math.max(0, 1000 - seq * 10));
        }
        return send(seq, recorded, signal);
      });
      expect(stalled).toBe(true);
      expect(o.requests).toBe(150);
      expect(o.latency.percentiles().max).toBeGreaterThan(550);
      expect(o.latency.at(90)).toBeGreaterThan(200);
    });
  });

  it("stops at once when its signal aborts", async () => {
    delayMs = 5;
    await withPool(async (pool) => {
      const { o, elapsedMs } = await stoppedAfter(
        300,
        pool,
        step({ rate: 100, durationMs: 10_000, maxInFlight: 100 }),
      );
      expect(elapsedMs).toBeLessThan(2000);
      expect(o.stopped).toBe(true);
      expect(o.requests).toBeLessThan(100);
    });
  });
});
