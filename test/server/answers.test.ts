/**
 * Answer ids come from a pool of random bytes refilled every 512 ids: across refills they must keep
 * regolo's shape and never repeat.
 */
import { describe, expect, it } from "vitest";
import { rank, regoloAnswerText } from "../../src/server/answers.js";

describe("regolo answer ids", () => {
  it("are rerank-<16 hex>, all distinct across several pool refills", () => {
    const request = { model: "identity" as const, query: "q", documents: ["a", "b"], plainStrings: false };
    const ids = Array.from(
      { length: 1600 },
      () => JSON.parse(regoloAnswerText(request, rank([0.5, 0.25]))).id,
    );
    for (const id of ids) expect(id).toMatch(/^rerank-[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
