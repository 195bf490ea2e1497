#!/usr/bin/env node
/**
 * Runs the GitHub Actions workflow of docs/ci.md locally: its `run:` steps as written, in a scratch
 * checkout, with `npx rerank-eval` as the built CLI (dist/) and local stand-ins for the actions:
 * checkout links the repository's datasets, setup-node, cache and `npm ci` are skipped (the response
 * cache is not built yet), upload-artifact copies into <scratch>/artifacts/<event>/<name>, and the
 * download of main's report copies the `push` run's upload. It runs the workflow as a push to main,
 * then as a pull request, and exits with the pull request job's code (1 when a gate failed).
 *
 *   node test/ci/workflow.mjs [--env NAME=VALUE]... [--keep]   (--env: the pull request's environment)
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(REPO, "dist/cli/main.js");

const args = process.argv.slice(2);
const overrides = {};
let keep = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--env") {
    const [k, ...v] = String(args[++i]).split("=");
    overrides[k] = v.join("=");
  } else if (args[i] === "--keep") keep = true;
  else {
    console.error(`workflow.mjs: unknown argument ${args[i]}`);
    process.exit(2);
  }
}
if (!existsSync(CLI)) {
  console.error("workflow.mjs: build first (npm run build)");
  process.exit(2);
}

const doc = readFileSync(join(REPO, "docs/ci.md"), "utf8");
const block = /```yaml\n([\s\S]*?)```/.exec(doc);
if (!block) throw new Error("docs/ci.md has no yaml block");
const workflow = parse(block[1]);
const [job] = Object.values(workflow.jobs);

const scratch = mkdtempSync(join(tmpdir(), "rerank-eval-ci-"));
// `npx rerank-eval …` → the built CLI; anything else → the real npx.
const shims = join(scratch, "bin");
mkdirSync(shims);
writeFileSync(
  join(shims, "npx"),
  `#!/bin/sh\nif [ "$1" = "rerank-eval" ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\nexec "${process.execPath}" "$(command -v npm | xargs dirname)/npx" "$@"\n`,
);
chmodSync(join(shims, "npx"), 0o755);

function runJob(event) {
  const workspace = join(scratch, event);
  mkdirSync(workspace);
  const env = {
    ...process.env,
    ...workflow.env,
    ...job.env,
    // --env is what the pull request changes: main's run keeps the workflow's values.
    ...(event === "pull_request" ? overrides : {}),
    PATH: `${shims}:${process.env.PATH}`,
    GITHUB_EVENT_NAME: event,
    GITHUB_STEP_SUMMARY: join(workspace, "step-summary.md"),
  };
  let failed = 0;
  for (const step of job.steps) {
    const name = step.name ?? step.uses ?? step.run;
    const condition = step.if?.trim();
    const wanted =
      condition === "always()" ||
      (!failed && (!condition || condition === `github.event_name == '${event}'`));
    if (!wanted) {
      console.log(`[${event}] skip ${name}`);
      continue;
    }
    console.log(`[${event}] step ${name}`);
    if (step.run) {
      if (/^npm ci\b/.test(step.run.trim())) continue;
      const r = spawnSync("bash", ["-eo", "pipefail", "-c", step.run], {
        cwd: workspace,
        env,
        stdio: "inherit",
      });
      if (r.status !== 0) failed = r.status ?? 1;
      continue;
    }
    const action = step.uses.split("@")[0];
    const artifacts = (from) => join(scratch, "artifacts", from, step.with.name);
    if (action === "actions/checkout") symlinkSync(join(REPO, "datasets"), join(workspace, "datasets"));
    else if (action === "actions/upload-artifact") {
      if (existsSync(join(workspace, step.with.path)))
        cpSync(join(workspace, step.with.path), artifacts(event), { recursive: true });
    } else if (action === "dawidd6/action-download-artifact") {
      if (!existsSync(artifacts("push"))) {
        console.error(`[${event}] no artifact ${step.with.name} from main`);
        failed = 1;
      } else cpSync(artifacts("push"), join(workspace, step.with.path), { recursive: true });
    } else if (action !== "actions/setup-node" && action !== "actions/cache")
      throw new Error(`no stand-in for ${action}`);
  }
  return failed;
}

const main = runJob("push");
const pr = main === 0 ? runJob("pull_request") : main;
console.log(
  `workflow: push ${main === 0 ? "passed" : `failed (${main})`}, pull_request exit ${pr}; scratch ${scratch}`,
);
if (!keep) rmSync(scratch, { recursive: true, force: true });
process.exit(pr);
