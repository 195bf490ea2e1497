/**
 * What the first Ctrl-C says depends on what it stops: while the set loads, the reading (nothing is
 * written); once tasks run, the launching of tasks (the requests in flight get their grace period).
 * Signals are emitted on the process here; the handlers are the CLI's own (stopOnSignals).
 */
import { describe, expect, it } from "vitest";
import { RunStop, stopOnSignals } from "../../src/run/interrupt.js";

function firstWords(stop: RunStop, signal: "SIGINT" | "SIGTERM"): string[] {
  const lines: string[] = [];
  const unwatch = stopOnSignals(stop, (line) => lines.push(line));
  try {
    process.emit(signal, signal);
  } finally {
    unwatch();
  }
  return lines;
}

describe("the first Ctrl-C's line", () => {
  it("while the set loads: nothing will be written", () => {
    const stop = new RunStop(2_000);
    stop.loading = true;
    expect(firstWords(stop, "SIGINT")).toEqual([
      "SIGINT: stopping while the dataset loads; nothing will be written",
    ]);
    expect(stop.requested).toBe(true);
    expect(stop.signal).toBe("SIGINT");
  });

  it("without a grace period (load): the requests in flight are cut off, not given 0 s", () => {
    expect(firstWords(new RunStop(0), "SIGINT")).toEqual([
      "SIGINT: stopping; the requests in flight are cut off now",
    ]);
  });

  it("once tasks run: the requests in flight have the grace period", () => {
    const stop = new RunStop(2_000);
    expect(firstWords(stop, "SIGTERM")).toEqual([
      "SIGTERM: stopping; the requests in flight have 2 s to finish (again to abort them now)",
    ]);
  });
});
