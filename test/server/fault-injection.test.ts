import { describe, expect, it } from "vitest";
import { startServer } from "../../src/server/index.js";
import { KNOWN_ANSWER_REQUEST as ka, post, rawPost, serversClosedAfterEach } from "./helpers.js";

const serve = serversClosedAfterEach();

describe("fault injection", () => {
  it("fail-rate 1: every answer is a 503 in the route's error shape", async () => {
    const s = await serve({ failRate: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(`${s.url}/v1/rerank`, ka)));
    for (const a of answers) {
      expect(a.status).toBe(503);
      expect(a.body.error).toMatchObject({ type: "server_error", code: "service_unavailable" });
    }
    const v2 = await post(`${s.url}/v2/rerank`, ka);
    expect(v2.status).toBe(503);
    expect(typeof v2.body.message).toBe("string");
    // Bad requests are still refused as bad requests: the injected failure stands in for the model.
    expect((await post(`${s.url}/rerank`, { ...ka, query: "" })).status).toBe(400);
  });

  it("rate-limit 2 rps: a burst of 10 gets 2 answers and 8 × 429 with Retry-After; tokens come back", async () => {
    const s = await serve({ rateLimitRps: 2 });
    const burst = await Promise.all(Array.from({ length: 10 }, () => post(`${s.url}/rerank`, ka)));
    const statuses = burst.map((a) => a.status);
    // Exactly 2 unless the loaded test machine spread the burst over half a second (one more token).
    const passed = statuses.filter((x) => x === 200).length;
    expect(passed === 2 || passed === 3).toBe(true);
    const limited = burst.filter((a) => a.status === 429);
    expect(limited).toHaveLength(10 - passed);
    for (const a of limited) {
      expect(a.headers.get("retry-after")).toBe("1");
      expect(a.body.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    }
    await new Promise((r) => setTimeout(r, 550)); // half a second at 2/s is one token
    expect((await post(`${s.url}/rerank`, ka)).status).toBe(200);
    expect((await post(`${s.url}/rerank`, ka)).status).toBe(429);
  });

  it("drop-rate 1: the connection is reset and no answer comes", async () => {
    const logs: string[] = [];
    const s = await serve({ dropRate: 1, log: (l) => logs.push(l) });
    const raw = await rawPost(`${s.url}/rerank`, JSON.stringify(ka));
    expect(raw.status).toBeUndefined();
    expect(raw.errorCode).toBe("ECONNRESET");
    const viaFetch = await fetch(`${s.url}/v2/rerank`, { method: "POST", body: JSON.stringify(ka) }).then(
      () => undefined,
      (e: Error & { cause?: { code?: string } }) => e.cause?.code,
    );
    expect(viaFetch).toBe("ECONNRESET");
    expect(logs.filter((l) => l.includes(" dropped "))).toHaveLength(2);
  });

  it("latency-ms and per-doc-ms delay the answer by at least their sum", async () => {
    const s = await serve({ latencyMs: 120, perDocLatencyMs: 20 });
    const t0 = performance.now();
    expect((await post(`${s.url}/rerank`, ka)).status).toBe(200);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(120 + 4 * 20);
    expect(elapsed).toBeLessThan(2000);
  });

  it("logs a client that gives up during the latency as aborted, and keeps serving", async () => {
    const logs: string[] = [];
    const s = await serve({ latencyMs: 300, log: (l) => logs.push(l) });
    const gaveUp = await fetch(`${s.url}/rerank`, {
      method: "POST",
      body: JSON.stringify(ka),
      signal: AbortSignal.timeout(50),
    }).then(
      () => false,
      () => true,
    );
    expect(gaveUp).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(logs.some((l) => / POST \/rerank aborted /.test(l))).toBe(true);
    expect((await post(`${s.url}/rerank`, ka)).status).toBe(200);
    expect(logs.at(-1)).toMatch(/ POST \/rerank 200 /);
  });

  it("the fault sequence is fixed by the seed and the request order", async () => {
    const statuses = async (seed: number) => {
      const s = await serve({ seed, failRate: 0.5 });
      const out: number[] = [];
      for (let i = 0; i < 24; i++) out.push((await post(`${s.url}/rerank`, ka)).status);
      return out;
    };
    const a = await statuses(11);
    expect(await statuses(11)).toEqual(a);
    expect(await statuses(12)).not.toEqual(a);
    expect(a).toContain(200);
    expect(a).toContain(503);
  });

  it("the random model follows the server seed", async () => {
    const scores = async (seed: number) => {
      const s = await serve({ seed });
      const { body } = await post(`${s.url}/v2/rerank`, { ...ka, model: "random" });
      return body.results.sort((x: { index: number }, y: { index: number }) => x.index - y.index);
    };
    const a = await scores(3);
    expect(await scores(3)).toEqual(a);
    expect(await scores(4)).not.toEqual(a);
  });

  it("refuses impossible settings", async () => {
    await expect(startServer({ failRate: 1.5 })).rejects.toThrow(/fail rate must be between 0 and 1/);
    await expect(startServer({ dropRate: -0.1 })).rejects.toThrow(/drop rate/);
    await expect(startServer({ rateLimitRps: 0 })).rejects.toThrow(/rate limit/);
    await expect(startServer({ latencyMs: Number.NaN })).rejects.toThrow(/latency/);
    await expect(startServer({ port: 70_000 })).rejects.toThrow(/port/);
  });
});
