/**
 * Every fenced code block of README.md runs, as a new user would run it from a clone:
 * - `sh`/`bash` blocks line by line through `sh -c`, in a temporary folder laid out like a clone
 *   (datasets/ and examples/ copied, dist/ linked), with `npx rerank-eval` resolving to the built
 *   CLI as it does in a clone after `npm ci`, and no bare `rerank-eval` on PATH (a clone has none).
 *   `serve` lines are started first, on a free port instead of the one written, and the other
 *   lines talk to them at that port. `npm ci` is a no-op (this checkout is installed), `npm start`
 *   runs package.json's start script (dist/ is already built), `npm test` is skipped (it is this suite).
 * - `ts` blocks are type-checked (tsc) and run with tsx, "rerank-eval" resolving to dist/ through a
 *   node_modules link.
 * - `yaml` blocks are loaded as a run config (loadRunConfig).
 * - `text` blocks are not run (an output excerpt); the test names each as skipped, with its note.
 * No command gets a key or the network: anything that needs a provider's service must say so in a
 * comment and run against the embedded server here.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, readFileSync } from "node:fs";
import { cp, mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/run/config.js";
import { buildCli, CLI, REPO, startProcess } from "../helpers/cli.js";
import { tempDir } from "../run/helpers.js";
import { type CodeBlock, codeBlocks, type ShellCommand, shellCommands } from "./blocks.js";

const execFileP = promisify(execFile);
const README = join(REPO, "README.md");
const blocks = codeBlocks(readFileSync(README, "utf8"));
const where = (line: number) => `README.md:${line}`;

const SHELL = new Set(["sh", "bash", "shell"]);
const TS = new Set(["ts", "typescript"]);
const YAML = new Set(["yaml", "yml"]);
const NOT_RUN = new Set(["text"]);

/** Commands written in the README but not run here, and why (matched without a trailing comment). */
const SKIPPED_COMMANDS: Record<string, string> = {
  "npm test": "it is this test suite",
};

/** What a command's title says about parts the shims change. */
const SHIMMED: [RegExp, string][] = [
  [/\bnpm ci\b/, "npm ci: a no-op here, this checkout is installed"],
  [/\bnpm start\b/, "npm start: package.json's start script, dist/ already built"],
];

const withoutComment = (command: string) => command.replace(/\s+#.*$/, "");

/** The `rerank-eval serve …` lines: started before any other line, and kept up until the end. */
const SERVE = /^(npx )?rerank-eval serve\b/;

let temp: Awaited<ReturnType<typeof tempDir>>;
/** The temporary clone: every command's working directory. */
let clone: string;
let env: Record<string, string>;
const servers = new Map<number, { process?: ChildProcess; url?: string; error?: string }>();

beforeAll(async () => {
  await buildCli();
  temp = await tempDir("rerank-eval-readme-");
  clone = join(temp.dir, "clone");
  await mkdir(clone);
  await cp(join(REPO, "datasets"), join(clone, "datasets"), { recursive: true });
  await cp(join(REPO, "examples"), join(clone, "examples"), { recursive: true });
  await symlink(join(REPO, "dist"), join(clone, "dist"), "dir");
  // "rerank-eval" for the ts blocks: the repository's package.json, whose exports point at dist/.
  await mkdir(join(clone, "node_modules"));
  await symlink(REPO, join(clone, "node_modules", "rerank-eval"), "dir");
  await writeFile(join(clone, "package.json"), JSON.stringify({ private: true, type: "module" }));
  env = await shims(join(temp.dir, "bin"));
}, 60_000);

afterAll(async () => {
  await Promise.all([...servers.values()].map(({ process }) => stopServer(process)));
  await temp?.cleanup();
});

/** PATH as a clone has it after `npm ci`: npx finds the package's own bin; no global rerank-eval. */
async function shims(bin: string): Promise<Record<string, string>> {
  await mkdir(bin);
  const scripts: Record<string, string> = {
    npx: `#!/bin/sh
# npx in a clone after npm ci: "npx rerank-eval" is the package's own bin, dist/cli/main.js.
if [ "$1" = rerank-eval ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi
echo "README test: only 'npx rerank-eval' is provided, not 'npx $*'" >&2
exit 127
`,
    npm: `#!/bin/sh
case "$1" in
  ci) echo "README test: 'npm ci' skipped: this checkout is installed" >&2 ;;
  start) exec sh -c "$README_NPM_START" ;;
  *) echo "README test: 'npm $*' is not run here" >&2; exit 127 ;;
esac
`,
    "rerank-eval": `#!/bin/sh
echo "sh: rerank-eval: not found (a clone has no rerank-eval on PATH after npm ci: write 'npx rerank-eval')" >&2
exit 127
`,
  };
  for (const [name, text] of Object.entries(scripts)) {
    await writeFile(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { scripts: { start: string } };
  return {
    PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
    HOME: temp.dir,
    README_NPM_START: pkg.scripts.start,
  };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sh(command: string, timeoutMs = 60_000): Promise<Ran> {
  return startProcess("sh", ["-c", command], { cwd: clone, env, timeoutMs }).done;
}

/** The port a serve line asks for (serve's default is 8080). */
function servePort(command: string): number {
  return Number(/--port[ =](\d+)/.exec(command)?.[1] ?? 8080);
}

/** Starts a serve line on a free port; resolves once it prints its URL. */
function startServeLine(command: ShellCommand): Promise<void> {
  const port = servePort(command.text);
  const entry: { process?: ChildProcess; url?: string; error?: string } = {};
  servers.set(port, entry);
  const line = /--port[ =]\d+/.test(command.text)
    ? command.text.replace(/--port[ =]\d+/, "--port 0")
    : `${command.text} --port 0`;
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", `exec ${line}`], { cwd: clone, env, stdio: ["ignore", "pipe", "pipe"] });
    entry.process = child;
    let output = "";
    const done = (error?: string) => {
      clearTimeout(timer);
      if (error) entry.error = `${error}\n${output}`;
      resolve();
    };
    const timer = setTimeout(() => done("did not print its URL within 15 s"), 15_000);
    const onData = (d: Buffer) => {
      output += d;
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(output)?.[0];
      if (url && !entry.url) {
        entry.url = url;
        done();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => {
      if (!entry.url) done(`exited ${code} before listening`);
    });
  });
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  await closed;
}

/** The command with every address of a README `serve` port replaced by where that server listens. */
function addressed(command: string): string {
  let out = command;
  for (const [port, { url }] of servers) {
    if (url) out = out.replace(new RegExp(`(?:http://)?(?:127\\.0\\.0\\.1|localhost):${port}\\b`, "g"), url);
  }
  return out;
}

function report(ran: Ran): string {
  return `exit ${ran.code}\n--- stdout\n${ran.stdout.slice(-3000)}\n--- stderr\n${ran.stderr.slice(-3000)}`;
}

describe("README.md code blocks", () => {
  const shellBlocks = blocks.filter((b) => SHELL.has(b.lang));

  beforeAll(async () => {
    for (const block of shellBlocks) {
      for (const command of shellCommands(block)) if (SERVE.test(command.text)) await startServeLine(command);
    }
  }, 60_000);

  for (const block of blocks) {
    const title = `${where(block.line)} \`\`\`${block.lang}`;
    if (SHELL.has(block.lang)) {
      describe(title, () => {
        for (const command of shellCommands(block)) shellTest(command);
      });
    } else if (TS.has(block.lang)) {
      it(`${title}: type-checks and runs with tsx`, () => tsBlock(block), 120_000);
    } else if (YAML.has(block.lang)) {
      it(`${title}: loads as a run config`, () => yamlBlock(block));
    } else if (NOT_RUN.has(block.lang)) {
      it.skip(`${title}: not run (${block.note || "marked text"})`, () => {});
    } else {
      it(`${title}: is run, or marked \`\`\`text when it is not a command`, () => {
        expect.fail(
          `${where(block.line)}: a code block marked '${block.lang}' is neither run by this test nor marked text`,
        );
      });
    }
  }
});

function shellTest(command: ShellCommand): void {
  const notes = SHIMMED.filter(([pattern]) => pattern.test(command.text)).map(([, note]) => note);
  const title = `${where(command.line)} ${command.text}${notes.length ? ` (${notes.join("; ")})` : ""}`;
  const skip = SKIPPED_COMMANDS[withoutComment(command.text)];
  if (skip) {
    it.skip(`${title} (not run: ${skip})`, () => {});
  } else if (SERVE.test(command.text)) {
    it(`${title} (started first, on a free port)`, () => {
      const server = servers.get(servePort(command.text));
      expect(server?.error, server?.error).toBeUndefined();
      expect(server?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    });
  } else {
    it(title, async () => {
      const ran = await sh(addressed(command.text));
      expect(ran.code, `${where(command.line)}: ${command.text}\n${report(ran)}`).toBe(0);
    }, 120_000);
  }
}

async function tsBlock(block: CodeBlock): Promise<void> {
  const file = join(clone, `readme-${block.line}.ts`);
  await writeFile(file, block.text);
  const tsconfig = join(clone, `tsconfig-${block.line}.json`);
  await writeFile(
    tsconfig,
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        strict: true,
        skipLibCheck: true,
        noEmit: true,
        types: ["node"],
        typeRoots: [join(REPO, "node_modules", "@types")],
      },
      files: [file],
    }),
  );
  const tsc = join(REPO, "node_modules", "typescript", "bin", "tsc");
  const checked = await execFileP(process.execPath, [tsc, "-p", tsconfig], { cwd: clone }).then(
    () => "",
    (err: { stdout?: string; message: string }) => err.stdout || err.message,
  );
  expect(checked, `${where(block.line)}: the ts block does not type-check`).toBe("");
  const tsx = join(REPO, "node_modules", "tsx", "dist", "cli.mjs");
  const ran = await sh(`"${process.execPath}" "${tsx}" "${file}"`);
  expect(ran.code, `${where(block.line)}: the ts block fails\n${report(ran)}`).toBe(0);
}

async function yamlBlock(block: CodeBlock): Promise<void> {
  const file = join(clone, `readme-${block.line}.yaml`);
  await writeFile(file, block.text);
  await expect(loadRunConfig(file)).resolves.toBeTypeOf("object");
}
