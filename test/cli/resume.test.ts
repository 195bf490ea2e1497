/**
 * `run --resume DIR` on the command line: only the call settings may change (--api-key-env, -j,
 * --rps, --timeout-ms); any other flag is one usage line naming it (exit 2); a bad value of an
 * allowed flag is judged as on a new run; a folder that is not a run is one line naming its
 * manifest. In process (runCli): these are argument checks, no process needs to die.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import {
  type FixedScoreServer,
  startFixedScoreServer,
  syntheticRows,
  tempDir,
  writeCsv,
} from "../run/helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let server: FixedScoreServer;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-cli-resume-"));
  csv = await writeCsv(dir, syntheticRows(8, 3));
  server = await startFixedScoreServer({ score: (_q, d) => d.length });
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

/** A run of model m against the test server into `out`, with `flags`, to resume later. */
const runInto = (out: string, ...flags: string[]) =>
  runCli([
    ...["run", "--dataset", csv, "--model", "m", "--provider", "vllm", "--endpoint", server.endpoint],
    ...flags,
    ...["--out", out, "--quiet"],
  ]);

describe("run --resume (CLI)", () => {
  it("refuses every flag that would change what is asked, naming it, before reading anything", async () => {
    for (const [flag, value] of [
      ["--top-n", "3"],
      ["--model", "other"],
      ["--dataset", csv],
      ["--k", "5"],
      ["--out", dir],
      ["--config", "c.yaml"],
      ["--overwrite", undefined],
    ] as const) {
      const r = await runCli(["run", "--resume", join(dir, "nowhere"), flag, ...(value ? [value] : [])]);
      expect(r.code, flag).toBe(2);
      const name = flag === "--k" ? "-k" : flag;
      expect(r.stderr).toBe(
        `rerank-eval: error: ${name} cannot be combined with --resume: a resumed run keeps the configuration ` +
          "its manifest recorded (only how the calls are made may change: --api-key-env, -j, --rps, the deadlines and caps, the cache flags)\n",
      );
    }
  });

  it("judges the allowed flags' values as a new run does, and names the manifest of a folder that is not a run", async () => {
    const bad = await runCli(["run", "--resume", dir, "-j", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe("rerank-eval: error: --concurrency must be a positive integer, got '0'\n");
    const key = await runCli(["run", "--resume", dir, "--api-key-env", "sk-abc123def456"]);
    expect(key.code).toBe(2);
    expect(key.stderr).not.toContain("sk-abc123def456");
    const notRun = await runCli(["run", "--resume", dir]);
    expect(notRun.code).toBe(2);
    expect(notRun.stderr).toMatch(/^rerank-eval: error: .*manifest\.json: no such file: not a run folder/);
  });

  it("a finished run resumed: nothing to do, exit 2 and the command that rebuilds its report", async () => {
    const out = join(dir, "done");
    const first = await runInto(out);
    expect(first.code, first.stderr).toBe(0);
    const again = await runCli(["run", "--resume", out, "-j", "4", "--quiet"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `rerank-eval: error: ${out}: nothing to resume: all 8 tasks are done and the report is written (\`rerank-eval report ${out}\` rebuilds it)\n`,
    );
  });

  it("refuses a folder whose manifest holds a setting written as the redaction marker, naming it", async () => {
    const out = join(dir, "secret-option");
    const first = await runInto(out, "--option", "apiToken=abc123");
    expect(first.code, first.stderr).toBe(0);
    // The run is done; remove its report so that it is resumable.
    await rm(join(out, "report.json"));
    const resumed = await runCli(["run", "--resume", out]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toBe(
      `rerank-eval: error: ${join(out, "manifest.json")}: model m: setting 'options.apiToken' looked like a secret and was not written, so this folder cannot be resumed (start over with --overwrite, passing secrets through --api-key-env)\n`,
    );
  });
});
