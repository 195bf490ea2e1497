import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { KNOWN_ANSWER } from "../../src/rerank/known-answer.js";
import { PendingDelays, ServerClosing } from "../../src/server/delays.js";
import { type RunningServer, type ServerOptions, startServer } from "../../src/server/index.js";
import { PauseGate } from "../../src/server/pause.js";
import { buildCli, runCli, startServeProcess } from "../helpers/cli.js";
import { post, rawPost } from "./helpers.js";

const ka = { model: "bm25", query: KNOWN_ANSWER.query, documents: KNOWN_ANSWER.documents };
const running: RunningServer[] = [];
async function serve(opts: ServerOptions): Promise<RunningServer> {
  const s = await startServer(opts);
  running.push(s);
  // Warm: the first call's connection set-up and compilation are not part of any timing below.
  await post(`${s.url}/rerank`, ka);
  return s;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** POSTs and resolves with the status and the ms from `t0` to the answer. */
async function timed(url: string, t0: number): Promise<{ status: number; at: number }> {
  const a = await post(url, ka);
  return { status: a.status, at: performance.now() - t0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("PauseGate", () => {
  it("passes at once when not paused, waits out a pause, and a longer pause extends it", async () => {
    let now = 0;
    const gate = new PauseGate(new PendingDelays(), () => now);
    expect(gate.remainingMs).toBe(0);
    await gate.wait();
    gate.pause(500);
    gate.pause(100); // shorter: the pause still ends at 500
    expect(gate.remainingMs).toBe(500);
    now = 400;
    expect(gate.remainingMs).toBe(100);
    now = 500;
    expect(gate.remainingMs).toBe(0);
  });

  it("a wait during a pause ends with it, and with ServerClosing when the server closes", async () => {
    const delays = new PendingDelays();
    const gate = new PauseGate(delays);
    gate.pause(80);
    const t0 = performance.now();
    await gate.wait();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(75);
    gate.pause(60_000);
    const waiting = gate.wait().catch((e: unknown) => e);
    delays.cancelAll();
    expect(await waiting).toBeInstanceOf(ServerClosing);
  });
});

describe("the pause fault", () => {
  it("pause(ms): a request in service and requests arriving during the pause answer after it ends", async () => {
    const s = await serve({ latencyMs: 100 });
    const t0 = performance.now();
    const inService = timed(`${s.url}/rerank`, t0);
    await sleep(30);
    const pausedAt = performance.now() - t0;
    s.pause(400);
    await sleep(50);
    const arriving = [timed(`${s.url}/rerank`, t0), timed(`${s.url}/v2/rerank`, t0)];
    const end = pausedAt + 400;
    const a = await inService;
    expect(a.status).toBe(200);
    // Its 100 ms of service ended mid-pause: held until the pause's end, not answered at ~100 ms.
    expect(a.at).toBeGreaterThanOrEqual(end - 5);
    for (const r of await Promise.all(arriving)) {
      expect(r.status).toBe(200);
      // Arrived during the pause: served after it, so its own 100 ms come on top.
      expect(r.at).toBeGreaterThanOrEqual(end + 95);
    }
    // After the pause the server is as before: one request costs its latency.
    const t1 = performance.now();
    expect((await post(`${s.url}/rerank`, ka)).status).toBe(200);
    expect(performance.now() - t1).toBeLessThan(400);
  });

  it("health and model routes answer during a pause (it stalls the model, not the process)", async () => {
    const s = await serve({});
    s.pause(5_000);
    const t0 = performance.now();
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(2_000);
  });

  it("POST /admin/pause?ms=D pauses from that moment; bad values are a 400, GET a 405", async () => {
    const s = await serve({});
    const t0 = performance.now();
    const res = await fetch(`${s.url}/admin/pause?ms=300`, { method: "POST" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { paused_ms: number; remaining_ms: number };
    expect(body.paused_ms).toBe(300);
    expect(body.remaining_ms).toBeGreaterThan(200);
    expect(body.remaining_ms).toBeLessThanOrEqual(300);
    const r = await timed(`${s.url}/rerank`, t0);
    expect(r.status).toBe(200);
    expect(r.at).toBeGreaterThanOrEqual(295);

    for (const q of ["", "?ms=", "?ms=abc", "?ms=-5", "?ms=99999999"]) {
      const bad = await post(`${s.url}/admin/pause${q}`, {});
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^\/admin\/pause needs ms=0\.\.3600000 \(milliseconds\), got /);
      expect(bad.body.error.param).toBe("ms");
    }
    const get = await fetch(`${s.url}/admin/pause?ms=10`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(s.load()).toEqual({ inService: 0, queued: 0 });
  });

  it("pauseAtMs/pauseMs: a pause scheduled after the server starts", async () => {
    const t0 = performance.now(); // before listening, so the pause's window ends after t0 + 1000
    const s = await startServer({ pauseAtMs: 300, pauseMs: 700 });
    running.push(s);
    await sleep(Math.max(0, 400 - (performance.now() - t0)));
    const sentAt = performance.now() - t0;
    const during = await timed(`${s.url}/rerank`, t0);
    expect(during.status).toBe(200);
    if (sentAt < 950) expect(during.at).toBeGreaterThanOrEqual(995); // sent in the window: held to its end
    const t1 = performance.now();
    expect((await post(`${s.url}/rerank`, ka)).status).toBe(200);
    expect(performance.now() - t1).toBeLessThan(500); // the window is over: no second pause
  });

  it("with a capacity, the queue waits behind a pause and drains in order after it", async () => {
    const s = await serve({ latencyMs: 50, capacity: 1 });
    s.pause(200);
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: 3 }, () => timed(`${s.url}/rerank`, t0)));
    const at = answers.map((a) => a.at).sort((x, y) => x - y);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(at[0]).toBeGreaterThanOrEqual(245);
    expect(at[2]).toBeGreaterThanOrEqual(340);
  });

  it("close() during a pause ends the stalled requests promptly", async () => {
    const s = await startServer({ latencyMs: 10 });
    s.pause(60_000);
    const pending = Array.from({ length: 5 }, () => rawPost(`${s.url}/rerank`, JSON.stringify(ka)));
    await sleep(100);
    expect(s.load().inService).toBe(5);
    const t0 = performance.now();
    await s.close();
    expect(performance.now() - t0).toBeLessThan(1000);
    for (const r of await Promise.all(pending)) expect(r.status).toBeUndefined();
  });

  it("refuses a pause without its start or length, and a negative one", async () => {
    await expect(startServer({ pauseMs: 100 })).rejects.toThrow("a pause needs both");
    await expect(startServer({ pauseAtMs: 100 })).rejects.toThrow("a pause needs both");
    await expect(startServer({ pauseAtMs: -1, pauseMs: 5 })).rejects.toThrow(
      "pause start must be a number >= 0",
    );
  });
});

describe("serve --pause-at-ms/--pause-ms (CLI)", () => {
  beforeAll(() => buildCli(), 120_000);

  it("the process stalls from --pause-at-ms for --pause-ms: no rerank answer, health still answers", async () => {
    // An hour's pause from the start: deterministic whatever the machine's load.
    const p = await startServeProcess(["--pause-at-ms", "0", "--pause-ms", "3600000", "--quiet"]);
    try {
      const stalled = await fetch(`${p.url}/rerank`, {
        method: "POST",
        body: JSON.stringify(ka),
        signal: AbortSignal.timeout(700),
      }).then(
        (r) => r.status,
        (e: Error) => e.name,
      );
      expect(stalled).toBe("TimeoutError");
      expect((await fetch(`${p.url}/health`)).status).toBe(200);
    } finally {
      expect(await p.stop()).toBe(0); // SIGTERM ends the stalled process cleanly
    }
  });

  it("--pause-ms without --pause-at-ms (and the reverse) is one line and exit 2", async () => {
    for (const [args, msg] of [
      [["--pause-ms", "100"], "--pause-ms needs --pause-at-ms"],
      [["--pause-at-ms", "100"], "--pause-at-ms needs --pause-ms"],
      [["--pause-at-ms", "-3", "--pause-ms", "1"], "--pause-at-ms must be a number >= 0, got -3"],
    ] as const) {
      const r = await runCli(["serve", "--port", "0", ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(msg);
    }
  });
});
