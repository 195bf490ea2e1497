/**
 * docs/scale.md, run: the GitHub Actions workflow's shard step once per matrix value (each in a
 * workspace of its own, `npx rerank-eval` as the built CLI, upload-artifact and download-artifact
 * as the copies they make), then its merge step; the Kubernetes Indexed Job's container arguments
 * once per completion index, with the environment Kubernetes gives the pod ($(VAR) expanded,
 * JOB_COMPLETION_INDEX from the index, the volume at a temporary folder), then the merge Job. Both
 * merged reports must equal the report of the same run made unsharded. Docker is not needed: the
 * image's entrypoint is the CLI, which is what the arguments are given to.
 */
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import type { Report } from "../../src/report/types.js";
import { buildCli, CLI, REPO, startProcess } from "../helpers/cli.js";
import { codeBlocks } from "../readme/blocks.js";
import { tempDir } from "../run/helpers.js";

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { needs?: string; strategy?: { matrix: Record<string, unknown[]> }; steps: Step[] }>;
}
interface Container {
  args: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface JobManifest {
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode?: string;
    completions?: number;
    parallelism?: number;
    template: { spec: { containers: Container[] } };
  };
}

const yamlBlocks = codeBlocks(readFileSync(join(REPO, "docs/scale.md"), "utf8")).filter(
  (b) => b.lang === "yaml",
);
const workflow = parse(yamlBlocks.find((b) => /^jobs:/m.test(b.text))?.text ?? "") as Workflow;
const jobs = parseAllDocuments(yamlBlocks.find((b) => /^kind: Job/m.test(b.text))?.text ?? "").map(
  (d) => d.toJS() as JobManifest,
);

let dir: string;
let cleanup: () => Promise<void>;
let shims: string;

/** A process as the step or pod would run it; its exit code checked, its output kept for the failure message. */
async function exec(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const r = await startProcess(command, args, {
    cwd,
    env: {
      PATH: `${shims}:${process.env.PATH}`,
      RERANK_EVAL_CACHE_DIR: process.env.RERANK_EVAL_CACHE_DIR,
      ...env,
    },
    timeoutMs: 60_000,
  }).done;
  expect(r.code, `${args.join(" ")}\n${r.stdout}${r.stderr}`).toBe(0);
  return r;
}

/** A `run:` step through bash, as the runner does; ${{ matrix.* }} filled in, nothing else left unexpanded. */
function shell(text: string, matrix: Record<string, string>, cwd: string, env: Record<string, string>) {
  const filled = text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k: string) => matrix[k]);
  expect(filled, "an expression the test cannot give").not.toMatch(/\$\{\{/);
  return exec("bash", ["-eo", "pipefail", "-c", filled], cwd, env);
}

/** A workspace after actions/checkout: the repository's datasets where the workflow names them. */
function workspace(name: string): string {
  const path = join(dir, name);
  mkdirSync(path);
  symlinkSync(join(REPO, "datasets"), join(path, "datasets"));
  return path;
}

const fill = (text: string, matrix: Record<string, string>) =>
  text.replace(/\$\{\{\s*matrix\.(\w+)\s*\}\}/g, (_, k: string) => matrix[k]);

/** Timing taken out (and the quality–latency front, which weighs p95): the rest must match. */
function scored(path: string) {
  const r = JSON.parse(readFileSync(path, "utf8")) as Report;
  const { timing: _t, createdAt: _c, throughput: _th, concurrency: _co, warnings: _w, front, ...rest } = r;
  return {
    ...rest,
    front: front.measure,
    variants: r.variants.map(({ latency: _l, throughput: _v, ...v }) => v),
  };
}

beforeAll(async () => {
  await buildCli();
  ({ dir, cleanup } = await tempDir("rerank-eval-scale-docs-"));
  shims = join(dir, "bin");
  mkdirSync(shims);
  // `npx rerank-eval …` is the built CLI, as `npm ci` in the checkout would make it.
  writeFileSync(
    join(shims, "npx"),
    `#!/bin/sh\nif [ "$1" = "rerank-eval" ]; then shift; exec "${process.execPath}" "${CLI}" "$@"; fi\necho "npx $*: not run by this test" >&2; exit 127\n`,
  );
  chmodSync(join(shims, "npx"), 0o755);
}, 120_000);
afterAll(async () => cleanup());

describe("docs/scale.md", () => {
  it("the GitHub Actions matrix and merge job give the unsharded run's report", async () => {
    const shard = workflow.jobs.shard;
    const merge = workflow.jobs.merge;
    expect(merge.needs).toBe("shard");
    const values = (shard.strategy?.matrix.shard ?? []).map(String);
    expect(values).toEqual(["1", "2", "3"]);
    const evaluate = shard.steps.find((s) => s.run?.includes("rerank-eval run"));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
    expect(evaluate?.run).toContain("--shard ${{ matrix.shard }}/3");
    const env = { ...workflow.env, ...evaluate?.env };
    const artifacts = join(dir, "artifacts");

    // The matrix jobs run side by side, each in its own workspace.
    await Promise.all(
      values.map(async (value) => {
        const matrix = { shard: value };
        const cwd = workspace(`gh-shard-${value}`);
        for (const step of shard.steps) {
          if (step.run && !/^npm ci\b/.test(step.run.trim())) await shell(step.run, matrix, cwd, env);
          if (step.uses?.startsWith("actions/upload-artifact"))
            cpSync(
              join(cwd, fill(step.with?.path ?? "", matrix)),
              join(artifacts, fill(step.with?.name ?? "", matrix)),
              {
                recursive: true,
              },
            );
        }
      }),
    );

    // The unsharded run: the same step without --shard, for the reference report (in shard 1's
    // workspace, so the dataset paths the reports record are the same).
    const reference = join(dir, "gh-shard-1");
    const whole = fill(evaluate?.run ?? "", { shard: "1" })
      .replace(/--shard \S+/, "")
      .replace(/--out \S+/, "--out whole");
    await shell(whole, {}, reference, env);

    const cwd = workspace("gh-merge");
    let merged = "";
    for (const step of merge.steps) {
      if (step.uses?.startsWith("actions/download-artifact")) {
        // With a pattern, each artifact is extracted into <path>/<artifact name>.
        const pattern = new RegExp(`^${(step.with?.pattern ?? "").replace(/\*/g, ".*")}$`);
        for (const name of readdirSync(artifacts).filter((n) => pattern.test(n)))
          cpSync(join(artifacts, name), join(cwd, step.with?.path ?? ".", name), { recursive: true });
      } else if (step.run && !/^npm ci\b/.test(step.run.trim())) {
        const r = await shell(step.run, {}, cwd, { ...workflow.env, ...step.env });
        merged = /into (\S+)/.exec(r.stdout)?.[1] ?? "";
      }
    }
    expect(merged).toBe("merged");
    expect(scored(join(cwd, "merged", "report.json"))).toEqual(
      scored(join(reference, "whole", "report.json")),
    );
  }, 120_000);

  it("the Kubernetes Indexed Job and merge Job give the unsharded run's report", async () => {
    const indexed = jobs.find((j) => j.spec.completionMode === "Indexed");
    const merge = jobs.find((j) => j !== indexed && j.kind === "Job");
    expect(indexed?.spec).toMatchObject({ completions: 3, parallelism: 3 });
    const container = indexed?.spec.template.spec.containers[0] as Container;
    expect(container.args.join(" ")).toContain("--shard auto --shard-count 3");
    const volume = join(dir, "volume");
    // The dataset copied onto the shared volume, as the page says.
    cpSync(join(REPO, "datasets/tiny-beir"), join(volume, "datasets/tiny-beir"), { recursive: true });

    /** The pod's arguments and environment as the kubelet makes them, the volume mapped to a folder. */
    const pod = (c: Container, index?: number) => {
      const env: Record<string, string> = {};
      for (const e of c.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.fieldRef?.fieldPath.includes("job-completion-index"))
          env[e.name] = String(index);
      }
      // Kubernetes sets it in every pod of an Indexed Job, declared or not.
      if (index !== undefined) env.JOB_COMPLETION_INDEX = String(index);
      const mounts = c.volumeMounts ?? [];
      const args = c.args.map((a) => {
        let v = a.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
        for (const m of mounts) if (v.startsWith(m.mountPath)) v = volume + v.slice(m.mountPath.length);
        return v;
      });
      return { args, env };
    };

    const completions = indexed?.spec.completions ?? 0;
    await Promise.all(
      Array.from({ length: completions }, (_, i) => {
        const { args, env } = pod(container, i);
        return exec(process.execPath, [CLI, ...args], volume, env);
      }),
    );
    expect(readdirSync(join(volume, "shards")).sort()).toEqual(["0", "1", "2"]);
    const shard1 = JSON.parse(readFileSync(join(volume, "shards/1/manifest.json"), "utf8"));
    expect(shard1.shard).toMatchObject({ index: 2, count: 3 });

    const m = pod(merge?.spec.template.spec.containers[0] as Container);
    await exec(process.execPath, [CLI, ...m.args], volume, m.env);

    // The reference: the shards' own arguments without --shard auto --shard-count 3.
    const { args, env } = pod(container, 0);
    const at = args.indexOf("--shard");
    const whole = [...args.slice(0, at), ...args.slice(at + 4)];
    whole[whole.indexOf("--out") + 1] = join(volume, "whole");
    await exec(process.execPath, [CLI, ...whole], volume, env);
    expect(scored(join(volume, "merged", "report.json"))).toEqual(
      scored(join(volume, "whole", "report.json")),
    );
  }, 120_000);
});
