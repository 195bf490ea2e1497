/**
 * One run per folder. Default folders never collide, even for runs started in the same second; a
 * folder in use by a live run is refused with one line naming the run; a dead run's lock is taken
 * over.
 */
import { spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { LOCK_FILE, lockFolder } from "../../src/results/lock.js";
import { buildCli, spawnCli } from "../helpers/cli.js";
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
  await buildCli();
  ({ dir, cleanup } = await tempDir("rerank-eval-lock-"));
  csv = await writeCsv(dir, syntheticRows(6, 8));
  server = await startFixedScoreServer({ score: (_q, d) => d.length, delayMs: 30 });
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

const cli = (args: string[], cwd: string) => spawnCli(args, {}, 20_000, cwd);

const args = (extra: string[] = [], endpoint = server.endpoint) => [
  ...["run", "--dataset", csv, "--model", "m", "--endpoint", endpoint, "-j", "2", "--quiet"],
  ...extra,
];

describe("run folders", () => {
  it("three runs started in the same second with the default folder write three complete, different folders", async () => {
    const cwd = join(dir, "three");
    await (await import("node:fs/promises")).mkdir(cwd);
    const runs = await Promise.all([cli(args(), cwd), cli(args(), cwd), cli(args(), cwd)]);
    for (const r of runs) expect(r.stderr).toBe("");
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    const folders = await readdir(join(cwd, "reports"));
    expect(folders).toHaveLength(3);
    const named = runs.map((r) => /report: (\S+)\/report\.md/.exec(r.stdout)?.[1]);
    expect(new Set(named).size).toBe(3);
    for (const f of folders) {
      const files = await readdir(join(cwd, "reports", f));
      expect(files).toContain("report.json");
      expect(files).not.toContain(LOCK_FILE);
      const lines = (await readFile(join(cwd, "reports", f, "results.jsonl"), "utf8")).trim().split("\n");
      expect(lines).toHaveLength(6);
    }
  });

  it("a second run into a folder in use is refused in one line naming the run; the first finishes untouched", async () => {
    const out = join(dir, "shared");
    // Slow enough that the first run is still calling when the second process has started.
    const slow = await startFixedScoreServer({ score: (_q, d) => d.length, delayMs: 1000 });
    const first = cli(args(["--out", out], slow.endpoint), dir);
    for (let i = 0; i < 200; i++) {
      if ((await readdir(out).catch(() => [] as string[])).includes(LOCK_FILE)) break;
      await sleep(10);
    }
    const second = await cli(args(["--out", out]), dir);
    expect(second.code).toBe(2);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `^rerank-eval: error: ${out}: field 'out': is in use by another run \\(pid \\d+ on ${hostname()}, since `,
      ),
    );
    const done = await first;
    await slow.close();
    expect(done.code).toBe(0);
    const report = JSON.parse(await readFile(join(out, "report.json"), "utf8"));
    expect(report.incomplete).toBeNull();
    expect((await readFile(join(out, "results.jsonl"), "utf8")).trim().split("\n")).toHaveLength(6);
    expect(await readdir(out)).not.toContain(LOCK_FILE);
  });
});

describe("lockFolder", () => {
  it("refuses a folder this process holds, and frees it on release", async () => {
    const held = await lockFolder(dir);
    const err = await lockFolder(dir).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/is in use by another run \(pid \d+ on /);
    await held.release();
    await (await lockFolder(dir)).release();
  });

  it("takes over the lock of a process that is gone, and an unreadable one", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    const pid = gone.pid as number;
    await new Promise((resolve) => gone.on("close", resolve));
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid, host: hostname(), startedAt: "x", command: "run" }),
    );
    const lock = await lockFolder(dir);
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await lock.release();
    await writeFile(join(dir, LOCK_FILE), '{"pid": 12');
    await (await lockFolder(dir)).release();
  });

  it("keeps another host's lock: its process cannot be checked from here", async () => {
    await writeFile(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: 1, host: "other-host", startedAt: "2026-01-01", command: "run" }),
    );
    await expect(lockFolder(dir)).rejects.toThrow(/pid 1 on other-host/);
  });
});
