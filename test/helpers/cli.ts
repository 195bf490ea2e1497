/**
 * CLI test helpers shared by every area: `runCli` calls main() in-process with stdout/stderr captured
 * (fast); `buildCli` makes sure dist/ is current; `spawnCli` / `startServeProcess` run the built CLI
 * as real processes (exit codes, signals, canary checks) with a clean environment: PATH plus what the
 * test passes, so no key from the developer's shell leaks into a test.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { main } from "../../src/cli/app.js";
import type { Report } from "../../src/report/schema.js";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const CLI = `${REPO}dist/cli/main.js`;

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SpawnedRun extends CliRun {
  /** Wall time of the process, ms. */
  ms: number;
}

export async function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    err.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * A refusal as the CLI must give it: exit 2, one line matching `message` and no stack trace, and
 * nothing at `out` (the folder the command was told to write).
 */
/** A refusal: exit 2, one line, no stack; `out`, when given, was not made (a folder kept as it was has none). */
export function expectRefusal(r: CliRun, message: RegExp, out?: string): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  if (out !== undefined) expect(existsSync(out)).toBe(false);
}

/**
 * runCli of a command that writes a report (`run`, `load`, `run --resume`), expecting exit 0 (its
 * stderr is the failure message when not), then the report.json of the folder it wrote: the one
 * `--out` names, or for a resume the one `--resume` names.
 */
export async function runCliForReport(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ run: CliRun; report: Report }> {
  const flag = argv.includes("--out") ? "--out" : "--resume";
  const folder = argv[argv.indexOf(flag) + 1];
  if (!argv.includes(flag) || folder === undefined) throw new Error(`runCliForReport: no --out in ${argv}`);
  const run = await runCli(argv, env);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(await readFile(join(folder, "report.json"), "utf8")) as Report;
  return { run, report };
}

/**
 * Build dist/ unless it is newer than every source file (`npm test` builds first, so usually it is).
 * Type errors elsewhere in the tree do not stop tsc emitting.
 */
export async function buildCli(): Promise<void> {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource(`${REPO}src`)) return;
  await new Promise<void>((resolve) => {
    execFile("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: REPO }, () => resolve());
  });
  if (!existsSync(CLI)) throw new Error(`build produced no ${CLI}`);
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) {
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}

export interface StartedCli {
  child: ChildProcess;
  /** Resolves when the process has exited, with what it printed. */
  done: Promise<SpawnedRun>;
}

/** Any command as a real process, its output captured: the one place tests spawn and collect. */
export function startProcess(
  command: string,
  args: string[],
  opts: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    timeoutMs?: number;
    stdin?: "ignore" | "pipe";
    /** In a process group of its own (a terminal's foreground job): signal it with kill(-pid). */
    detached?: boolean;
  } = {},
): StartedCli {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: opts.cwd ?? REPO,
    env: opts.env ?? { PATH: process.env.PATH ?? "" },
    stdio: [opts.stdin ?? "ignore", "pipe", "pipe"],
    detached: opts.detached === true,
  });
  const done = new Promise<SpawnedRun>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d) => {
      stdout += d;
    });
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 20_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started });
    });
  });
  return { child, done };
}

/** The built CLI as a real process, from `cwd` (the repo by default), with a clean environment. */
export function startCli(
  args: string[],
  env: Record<string, string | undefined>,
  opts: { timeoutMs?: number; cwd?: string; detached?: boolean } = {},
): StartedCli {
  return startProcess(process.execPath, [CLI, ...args], {
    ...opts,
    // The test file's own response cache folder (helpers/isolate-cache.ts), unless the test sets one.
    env: { PATH: process.env.PATH ?? "", RERANK_EVAL_CACHE_DIR: process.env.RERANK_EVAL_CACHE_DIR, ...env },
  });
}

export function spawnCli(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 20_000,
  cwd?: string,
): Promise<SpawnedRun> {
  return startCli(args, env, { timeoutMs, cwd }).done;
}

export interface ServeProcess {
  url: string;
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** The exit code once the process has ended (null when a signal killed it). */
  exited: Promise<number | null>;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** `rerank-eval serve --port 0 …` as a separate process; resolves once it prints its URL. */
export function startServeProcess(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "serve", "--port", "0", ...args], {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    let stdout = "";
    let stderr = "";
    let started = false;
    const exited = new Promise<number | null>((done) => child.once("close", (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start: ${stdout} ${stderr}`));
    }, 15_000);
    exited.then((code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`serve exited ${code} before listening: ${stderr}`));
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.stdout.on("data", (d) => {
      stdout += d;
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(stdout);
      if (match && !started) {
        started = true;
        clearTimeout(timer);
        resolve({
          url: match[0],
          child,
          output: () => ({ stdout, stderr }),
          exited,
          stop: (signal = "SIGTERM") => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.on("error", reject);
  });
}
