/**
 * The demo config runs from any working directory: its paths belong to the config file, not to
 * wherever the user stands. Twice: a clone's built CLI with the config's absolute path, from another
 * folder; and the packed tarball installed into a project, run from that project's folder.
 */
import { chmod, cp, mkdir, readFile, realpath, symlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Report } from "../../src/report/types.js";
import { buildCli, REPO, startProcess } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";
import { linkRuntimeDependencies, pack, unpackInto } from "./pack.js";

let temp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  await buildCli();
  temp = await tempDir("rerank-eval-elsewhere-");
});
afterAll(() => temp?.cleanup());

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command with a clean environment (no key: the demo needs none), from `cwd`. */
const run = (command: string, args: string[], cwd: string): Promise<Ran> =>
  startProcess(command, args, { cwd, timeoutMs: 60_000 }).done;

/** The run's report.json, found through the `report: …/report.md` line the CLI prints. */
async function reportOf(ran: Ran, cwd: string): Promise<Report> {
  expect(ran.code, `exit ${ran.code}\n${ran.stdout}\n${ran.stderr}`).toBe(0);
  const md = /^report: (.+report\.md)$/m.exec(ran.stdout)?.[1];
  expect(md, ran.stdout).toBeDefined();
  return JSON.parse(await readFile(resolve(cwd, dirname(md as string), "report.json"), "utf8")) as Report;
}

/** What the demo is: the shipped capitals set, bm25 and tfidf at top_n 3 and 10. */
async function expectTheDemo(report: Report, datasets: string): Promise<void> {
  expect(report.dataset.queries).toBe(22);
  expect(report.variants.map((v) => v.id).sort()).toEqual([
    "bm25.top10",
    "bm25.top3",
    "tfidf.top10",
    "tfidf.top3",
  ]);
  expect(report.config.dataset.path).toBe(join(await realpath(datasets), "capitals.csv"));
}

describe("the demo config from another working directory", () => {
  it("a clone's dist/cli/main.js with the config's absolute path", async () => {
    const clone = join(temp.dir, "clone");
    await mkdir(clone);
    await cp(join(REPO, "datasets"), join(clone, "datasets"), { recursive: true });
    await cp(join(REPO, "examples"), join(clone, "examples"), { recursive: true });
    await symlink(join(REPO, "dist"), join(clone, "dist"), "dir");
    await symlink(join(REPO, "node_modules"), join(clone, "node_modules"), "dir");
    const elsewhere = join(temp.dir, "elsewhere");
    await mkdir(elsewhere);

    const ran = await run(
      process.execPath,
      [join(clone, "dist", "cli", "main.js"), "run", "--config", join(clone, "examples", "demo.yaml")],
      elsewhere,
    );
    await expectTheDemo(await reportOf(ran, elsewhere), join(clone, "datasets"));
  }, 60_000);

  it("the packed tarball installed into a project, run from the project's folder", async () => {
    const project = join(temp.dir, "project");
    await mkdir(project);
    const { tarball } = await pack(temp.dir);
    const installed = await unpackInto(tarball as string, project);
    await linkRuntimeDependencies(project);
    // The bin link npm would make.
    const bin = join(project, "node_modules", ".bin", "rerank-eval");
    await mkdir(dirname(bin));
    await symlink(join("..", "rerank-eval", "dist", "cli", "main.js"), bin);
    await chmod(join(installed, "dist", "cli", "main.js"), 0o755);

    const ran = await run(bin, ["run", "--config", "node_modules/rerank-eval/examples/demo.yaml"], project);
    await expectTheDemo(await reportOf(ran, project), join(installed, "datasets"));
  }, 60_000);
});
