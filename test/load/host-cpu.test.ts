/**
 * The CPU the host took during a step (a virtual machine's steal time): read from /proc/stat's
 * first line, as a share of the machine's CPU time between two readings, and named in the report
 * and the progress line when it passes 1 %, so late sends it caused are not blamed on either side.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProcStat, readCpuTimes, stolenPercent } from "../../src/load/host-cpu.js";
import { stepLine } from "../../src/load/steps.js";
import { loadMarkdown, loadStepTable } from "../../src/report/load-markdown.js";
import type { LoadSection } from "../../src/report/schema.js";
import { loadReport, SATURATING } from "../report/load-fixtures.js";
import { tempDir } from "../run/helpers.js";

// The first two lines of /proc/stat on a 2-vCPU virtual machine here.
const PROC_STAT =
  "cpu  8307210 20636 1223055 5977409 20425 0 57705 228368 0 0\n" +
  "cpu0 4153003 10270 611302 2988915 10180 0 28913 114260 0 0\n";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
});
afterAll(() => cleanup());

describe("host CPU: reading it", () => {
  it("takes steal, the eighth field, and the total of the first eight from the machine's line", () => {
    expect(parseProcStat(PROC_STAT)).toEqual({
      steal: 228368,
      total: 8307210 + 20636 + 1223055 + 5977409 + 20425 + 0 + 57705 + 228368,
    });
  });

  it("knows nothing from a file of another shape, a missing file, or a kernel without steal", () => {
    expect(parseProcStat("")).toBeUndefined();
    expect(parseProcStat("intr 1 2 3\n")).toBeUndefined();
    expect(parseProcStat("cpu  1 2 3 4 5 6 7\n")).toBeUndefined();
    expect(parseProcStat("cpu  1 2 3 4 5 6 7 x\n")).toBeUndefined();
    expect(readCpuTimes(join(dir, "no-such-stat"))).toBeUndefined();
  });

  it("reads a file in that shape, and this machine's own where it has one", async () => {
    const path = join(dir, "stat");
    await writeFile(path, PROC_STAT);
    expect(readCpuTimes(path)?.steal).toBe(228368);
    if (!existsSync("/proc/stat")) return;
    const before = readCpuTimes();
    const spinUntil = performance.now() + 50;
    while (performance.now() < spinUntil);
    const after = readCpuTimes();
    expect(after?.total).toBeGreaterThan(before?.total ?? Number.POSITIVE_INFINITY);
    const share = stolenPercent(before, after);
    expect(share).toBeGreaterThanOrEqual(0);
    expect(share).toBeLessThanOrEqual(100);
  });

  it("is the steal ticks' share of all ticks between two readings; unknown without both", () => {
    expect(stolenPercent({ steal: 100, total: 1000 }, { steal: 150, total: 2000 })).toBe(5);
    expect(stolenPercent(undefined, { steal: 1, total: 2 })).toBeUndefined();
    expect(stolenPercent({ steal: 1, total: 2 }, undefined)).toBeUndefined();
    expect(stolenPercent({ steal: 1, total: 2 }, { steal: 1, total: 2 })).toBeUndefined();
  });
});

describe("host CPU: in the report", () => {
  const withStolen = (percents: (number | undefined)[]): LoadSection => {
    const load = loadReport({ steps: SATURATING.slice(0, percents.length) }).load as LoadSection;
    return {
      ...load,
      steps: load.steps.map((s, i) =>
        percents[i] === undefined ? s : { ...s, cpuStolenPercent: percents[i] },
      ),
    };
  };

  it("names the steps that lost 1 % or more, in a column, a sentence and the progress line", () => {
    const load = withStolen([0.3, 12.5, undefined]);
    const { head, rows } = loadStepTable(load, []);
    const col = head.indexOf("host took CPU %");
    expect(col).toBeGreaterThan(0);
    expect(rows.map((r) => r[col])).toEqual(["0.3", "12.5", "–"]);
    const md = loadMarkdown(load, []).join("\n");
    expect(md).toMatch(/The host took CPU time from this machine \(steal\) during step 2 \(12\.5 %\): /);
    expect(md).not.toMatch(/step 1 \(0\.3 %\)/);
    expect(stepLine(load.steps[1])).toMatch(/, the host took 12\.5 % of the CPU$/);
    expect(stepLine(load.steps[0])).not.toMatch(/host/);
  });

  it("says nothing of it when no step lost 1 %, or where it is unknown", () => {
    for (const load of [withStolen([0.3, 0.9]), withStolen([undefined, undefined])]) {
      expect(loadStepTable(load, []).head).not.toContain("host took CPU %");
      expect(loadMarkdown(load, []).join("\n")).not.toMatch(/host took/);
    }
  });
});
