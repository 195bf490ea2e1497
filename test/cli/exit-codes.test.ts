/**
 * The exit-code table of cli/app.ts (design.md): one code per kind of typed error, decided in one
 * place. Commands' own paths to these codes are tested with the commands (doctor → 1, bad flags → 2,
 * unreachable API → 3); this pins the rows nothing throws yet (TooManyFailures from `run`, signals).
 */
import { describe, expect, it } from "vitest";
import { exitCodeOf } from "../../src/cli/app.js";
import {
  ApiError,
  GateFailed,
  InputError,
  Interrupted,
  TooManyFailures,
  UsageError,
} from "../../src/errors.js";

describe("exit codes", () => {
  it("maps each typed error to its code, and anything else to 70", () => {
    expect(exitCodeOf(new GateFailed("7 checks: 5 passed, 2 failed"))).toBe(1);
    expect(exitCodeOf(new InputError("bad", { file: "q.tsv", line: 3 }))).toBe(2);
    expect(exitCodeOf(new UsageError("--top-n must be an integer"))).toBe(2);
    expect(exitCodeOf(new ApiError("regolo 503", { kind: "http", status: 503, retryable: true }))).toBe(3);
    expect(exitCodeOf(new TooManyFailures("4 tasks failed", "reports/x"))).toBe(3);
    expect(exitCodeOf(new Interrupted("stopped", "SIGINT"))).toBe(130);
    expect(exitCodeOf(new Interrupted("stopped", "SIGTERM"))).toBe(143);
    expect(exitCodeOf(new TypeError("x is undefined"))).toBe(70);
    expect(exitCodeOf("a thrown string")).toBe(70);
  });
});
