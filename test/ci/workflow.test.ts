/** docs/ci.md's workflow, run locally by test/ci/workflow.mjs: green with no change, red on a regression. */
import { spawnSync } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, REPO } from "../helpers/cli.js";

const workflow = (...args: string[]) =>
  spawnSync(process.execPath, ["test/ci/workflow.mjs", ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 60_000,
  });

beforeAll(async () => {
  await buildCli();
}, 120_000);

describe("docs/ci.md workflow", () => {
  it("passes a pull request that changes nothing", () => {
    const r = workflow();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("[pull_request] step Compare with main");
    expect(r.stdout).toContain("0 of 6 gates failed");
    expect(r.stdout).toContain("[pull_request] step Upload the comparison");
  }, 60_000);

  it("fails a pull request that switches to a worse model, naming the gates", () => {
    const r = workflow("--env", "RERANK_MODEL=random");
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/rerank-eval: 3 of 6 gates failed: bm25 → random: nDCG@10 change/);
    // The comparison is still uploaded after the failed step.
    expect(r.stdout).toContain("[pull_request] step Upload the comparison");
  }, 60_000);
});
