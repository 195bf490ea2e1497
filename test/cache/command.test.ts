/**
 * `rerank-eval cache info|verify|clear`: one summary line each, on a real cacache folder filled by a
 * real run; --older-than with entries dated in the past; bad input is one line and exit 2.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import cacache from "cacache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { syntheticRows, tempDir, writeCsv } from "../run/helpers.js";
import { type CountingServer, contentFiles, startCountingServer } from "./helpers.js";

const DAY = 86_400_000;
let dir: string;
let cleanup: () => Promise<void>;
let csv: string;
let server: CountingServer;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir("rerank-eval-cache-cmd-"));
  csv = await writeCsv(dir, syntheticRows(6, 5));
  server = await startCountingServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

/** A folder holding the six answers of a real run. */
async function filled(name: string): Promise<string> {
  const cache = join(dir, name);
  const r = await runCli(
    ["run", "--dataset", csv, "--provider", "cohere", "--endpoint", server.endpoint, "--model", "m"].concat([
      "--api-key-env",
      "K",
      "--cache",
      cache,
      "--out",
      join(dir, `${name}-out`),
      "--quiet",
    ]),
    { K: "sk-cmd-test" },
  );
  expect(r.code).toBe(0);
  return cache;
}

const cache = (args: string[]) => runCli(["cache", ...args], {});

describe("rerank-eval cache", () => {
  it("info: the location, the answers and the size; a folder not there yet is empty and not created", async () => {
    const missing = join(dir, "nothing-here");
    const none = await cache(["info", "--cache", missing]);
    expect(none).toEqual({
      code: 0,
      stdout: `cache ${missing}: empty (the folder does not exist yet)\n`,
      stderr: "",
    });
    const c = await filled("info");
    const r = await cache(["info", "--cache", c]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^cache ${c}: 6 answers, [0-9.]+ kB\\n$`));
    // Without --cache: the default folder (this test file's own, helpers/isolate-cache.ts).
    const d = await cache(["info"]);
    expect(d.stdout).toContain(`cache ${process.env.RERANK_EVAL_CACHE_DIR}:`);
  });

  it("verify: says what it fixed (a corrupt answer removed), then finds nothing to fix", async () => {
    const c = await filled("verify");
    const clean = await cache(["verify", "--cache", c]);
    expect(clean.stdout).toMatch(/: 6 answers good \([0-9.]+ kB\); nothing to fix\n$/);
    await writeFile((await contentFiles(c))[0], "garbage");
    const fixed = await cache(["verify", "--cache", c]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(
      /: 5 answers good \([0-9.]+ kB\); fixed: 1 corrupt answer removed, 1 entry without content dropped \(7 B freed\)\n$/,
    );
    expect((await cache(["verify", "--cache", c])).stdout).toMatch(/: 5 answers good .*; nothing to fix\n$/);
    expect((await cache(["info", "--cache", c])).stdout).toContain(": 5 answers, ");
  });

  it("clear --older-than: only the answers stored before the cut; clear: all of them", async () => {
    const c = await filled("clear");
    // Two more entries, written 40 and 31 days ago.
    await cacache.put(c, "old-1", "{}", { time: Date.now() - 40 * DAY });
    await cacache.put(c, "old-2", "{}", { time: Date.now() - 31 * DAY });
    const r = await cache(["clear", "--older-than", "30d", "--cache", c]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^cleared cache ${c}: 2 answers older than 30d removed, 6 answers kept \\([0-9.]+ B freed\\)\\n$`,
      ),
    );
    expect(Object.keys(await cacache.ls(c)).sort()).not.toContain("old-1");
    expect(Object.keys(await cacache.ls(c))).toHaveLength(6);
    const all = await cache(["clear", "--cache", c]);
    expect(all.stdout).toMatch(
      new RegExp(`^cleared cache ${c}: 6 answers removed \\([0-9.]+ kB freed\\)\\n$`),
    );
    expect((await cache(["info", "--cache", c])).stdout).toContain(": 0 answers, ");
  });

  it("bad input: one line, exit 2, nothing removed", async () => {
    const c = await filled("bad");
    const cases: [string[], string][] = [
      [
        ["clear", "--older-than", "30 days", "--cache", c],
        "--older-than must be a duration such as 30d, 12h, 90m, 45s or 2w, got '30 days'",
      ],
      [["clear", "--older-than", "", "--cache", c], "--older-than must be a duration"],
      [["info", "--older-than", "30d", "--cache", c], "--older-than applies to `cache clear` only"],
      [["clear", "--cache", csv], `the cache folder ${csv} is a file, not a folder`],
      [["purge", "--cache", c], "Invalid values"],
    ];
    for (const [args, message] of cases) {
      const r = await cache(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
    expect(Object.keys(await cacache.ls(c))).toHaveLength(6);
  });
});
