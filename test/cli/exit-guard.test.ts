/**
 * The exit guard, for real: a process whose command never settles would end with exit 0 when the
 * event loop empties (no report, no word). The guard turns that into exit 70 and one line; a run's
 * line says how many tasks were left unsettled. The fixture runs the built runToExit, the entry
 * point's own code path.
 */
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, startProcess } from "../helpers/cli.js";

const FIXTURE = fileURLToPath(new URL("./fixtures/exit-guard.mjs", import.meta.url));
const guarded = (command: string) => startProcess(process.execPath, [FIXTURE, command]).done;

beforeAll(() => buildCli(), 60_000);

describe("the exit guard", () => {
  it("a command whose promise never settles: exit 70 and one line, instead of a silent exit 0", async () => {
    const r = await guarded("pending");
    expect(r.code).toBe(70);
    expect(r.stderr).toBe(
      "rerank-eval: internal error: the command stopped before it finished; please report\n",
    );
  });

  it("a run whose rerank calls never settle: exit 70 naming the unsettled tasks", async () => {
    const r = await guarded("run");
    expect(r.code).toBe(70);
    expect(r.stderr).toBe(
      "rerank-eval: internal error: the run stopped with 3 tasks unsettled; please report\n",
    );
  });

  it("a command that settles keeps its own exit code and says nothing", async () => {
    const ok = await guarded("ok");
    expect(ok).toMatchObject({ code: 0, stderr: "" });
    const three = await guarded("three");
    expect(three).toMatchObject({ code: 3, stderr: "" });
  });
});
