/** .ci/summary.mjs: the end of CI's log names every skipped test (file and name) before the counts. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "rerank-eval-ci-summary-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** vitest's JSON report, in the shape `--reporter=json` writes it. */
function summarise(report: unknown): { status: number | null; lines: string[] } {
  const path = join(dir, `r${Math.random()}.json`);
  writeFileSync(path, JSON.stringify(report));
  const r = spawnSync(process.execPath, [".ci/summary.mjs", path], { cwd: REPO, encoding: "utf8" });
  return { status: r.status, lines: r.stdout.trimEnd().split("\n") };
}

const test = (status: string, title: string, ancestorTitles: string[] = []) => ({
  ancestorTitles,
  fullName: [...ancestorTitles, title].join(" "),
  status,
  title,
  failureMessages: [],
});

describe(".ci/summary.mjs", () => {
  it("lists skipped and todo tests with their file, then the counts; a file that failed to load is a failure", () => {
    const { status, lines } = summarise({
      numTotalTests: 5,
      numPassedTests: 2,
      numFailedTests: 0,
      numPendingTests: 2,
      numTodoTests: 1,
      testResults: [
        {
          name: join(REPO, "test/datasets/scifact.test.ts"),
          status: "passed",
          assertionResults: [
            test("skipped", "loads 300 queries", ["SciFact (skipped: ../shared/datasets/scifact is absent)"]),
            test("pending", "splits"),
          ],
        },
        {
          name: join(REPO, "test/a.test.ts"),
          status: "passed",
          assertionResults: [test("passed", "a"), test("passed", "b"), test("todo", "later")],
        },
        { name: join(REPO, "test/broken.test.ts"), status: "failed", assertionResults: [] },
      ],
    });
    expect(status).toBe(0);
    expect(lines).toEqual([
      "skipped (3):",
      "  test/datasets/scifact.test.ts > SciFact (skipped: ../shared/datasets/scifact is absent) > loads 300 queries",
      "  test/datasets/scifact.test.ts > splits",
      "  test/a.test.ts > later (todo)",
      "2 passed, 1 failed, 3 skipped",
    ]);
  });

  it("prints only the counts when nothing is skipped, and fails when no test ran", () => {
    const ok = summarise({
      numTotalTests: 1,
      numPassedTests: 1,
      numFailedTests: 0,
      testResults: [
        { name: join(REPO, "test/a.test.ts"), status: "passed", assertionResults: [test("passed", "a")] },
      ],
    });
    expect(ok).toEqual({ status: 0, lines: ["1 passed, 0 failed, 0 skipped"] });
    const none = summarise({ numTotalTests: 0, numPassedTests: 0, numFailedTests: 0, testResults: [] });
    expect(none).toEqual({ status: 1, lines: ["0 passed, 0 failed, 0 skipped"] });
  });
});
