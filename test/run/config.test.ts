import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError, UsageError } from "../../src/errors.js";
import { loadRunConfig, resolveRunOptions } from "../../src/run/config.js";
import { tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await tempDir()));
afterAll(() => cleanup());

async function configFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("loadRunConfig", () => {
  it("reads the issue's YAML example", async () => {
    const path = await configFile(
      "eval.yaml",
      [
        "dataset: { path: datasets/capitals.csv }",
        "models:",
        "  - { name: bm25, provider: regolo, endpoint: embedded }",
        "  - { name: Qwen3-Reranker-4B, provider: regolo, apiKeyEnv: REGOLO_API_KEY }",
        "topN: [3, 10]",
        "concurrency: 8",
        "k: [1, 3, 5, 10]",
        "out: reports/demo",
      ].join("\n"),
    );
    const cfg = await loadRunConfig(path);
    const o = resolveRunOptions(cfg, {});
    expect(o.dataset).toEqual({ path: "datasets/capitals.csv" });
    expect(o.models.map((m) => [m.name, m.model, m.provider, m.endpoint, m.apiKeyEnv])).toEqual([
      ["bm25", "bm25", "regolo", "embedded", undefined],
      ["Qwen3-Reranker-4B", "Qwen3-Reranker-4B", "regolo", undefined, "REGOLO_API_KEY"],
    ]);
    expect(o.topN).toEqual([3, 10]);
    expect(o.k).toEqual([1, 3, 5, 10]);
    expect(o.concurrency).toBe(8);
    expect(o.out).toBe("reports/demo");
    expect(o.maxFailures).toBe(0);
  });

  it("reads JSON too, with scalar shorthands", async () => {
    const path = await configFile(
      "eval.json",
      JSON.stringify({ dataset: "set.csv", models: ["bm25"], topN: 5, k: 10 }),
    );
    const o = resolveRunOptions(await loadRunConfig(path), {});
    expect(o.dataset.path).toBe("set.csv");
    expect(o.topN).toEqual([5]);
    expect(o.k).toEqual([10]);
    expect(o.concurrency).toBe(8);
  });

  it("names the file, line and field path of a wrong value", async () => {
    const path = await configFile("bad.yaml", "dataset: set.csv\nmodels:\n  - name: bm25\n    retries: -1\n");
    const err = await loadRunConfig(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:4: field 'models.0.retries': `),
    );
  });

  it("rejects unknown keys by name", async () => {
    const path = await configFile("unknown.yaml", "dataset: set.csv\nmodels: [bm25]\nconcurency: 4\n");
    const err = await loadRunConfig(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain(":3: field 'concurency': unknown key");
  });

  it("reports YAML syntax errors with a line", async () => {
    const path = await configFile("syntax.yaml", "dataset: set.csv\nmodels: [bm25\n");
    const err = await loadRunConfig(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/syntax\.yaml:\d+: not valid YAML\/JSON/);
  });

  it("a missing file is an InputError naming it", async () => {
    const err = await loadRunConfig(join(dir, "nope.yaml")).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain("nope.yaml");
  });
});

describe("resolveRunOptions", () => {
  const file = {
    dataset: { path: "a.csv", depth: 20 },
    models: [
      { name: "bm25", endpoint: "embedded" },
      { name: "m2", provider: "cohere", apiKeyEnv: "CO_KEY" },
    ],
    topN: [3, 10],
    concurrency: 4,
    k: [5],
    maxFailures: 2,
  };

  it("flags override the file, field by field", () => {
    const o = resolveRunOptions(file, {
      topN: [7],
      concurrency: 50,
      endpoint: "http://127.0.0.1:9/rerank",
      maxFailures: 0,
    });
    expect(o.topN).toEqual([7]);
    expect(o.concurrency).toBe(50);
    expect(o.maxFailures).toBe(0);
    expect(o.models.map((m) => m.endpoint)).toEqual([
      "http://127.0.0.1:9/rerank",
      "http://127.0.0.1:9/rerank",
    ]);
    expect(o.models[1].provider).toBe("cohere");
    expect(o.dataset.depth).toBe(20);
    expect(o.k).toEqual([5]);
  });

  it("--model replaces the file's models; --dataset replaces its dataset options", () => {
    const o = resolveRunOptions(file, { model: ["x", "y"], dataset: "b.csv", provider: "vllm" });
    expect(o.models.map((m) => `${m.name}/${m.provider}`)).toEqual(["x/vllm", "y/vllm"]);
    expect(o.dataset).toEqual({ path: "b.csv" });
  });

  it("works from flags alone, with defaults", () => {
    const o = resolveRunOptions(undefined, { dataset: "s.csv", model: ["bm25"] });
    expect(o).toMatchObject({
      concurrency: 8,
      k: [1, 3, 5, 10],
      topN: [],
      maxFailures: 0,
      seed: 0,
      complete: true,
    });
    expect(resolveRunOptions({ dataset: "s.csv", models: ["m"], complete: false }, {}).complete).toBe(false);
    expect(
      resolveRunOptions({ dataset: "s.csv", models: ["m"], complete: false }, { complete: true }).complete,
    ).toBe(true);
    expect(o.models[0]).toMatchObject({ name: "bm25", model: "bm25", provider: "regolo" });
  });

  it("usage errors: no dataset, no model, duplicate names, bad numbers", () => {
    expect(() => resolveRunOptions(undefined, { model: ["a"] })).toThrow(UsageError);
    expect(() => resolveRunOptions(undefined, { dataset: "s.csv" })).toThrow(/no model/);
    expect(() => resolveRunOptions(undefined, { dataset: "s.csv", model: ["a", "a"] })).toThrow(/twice/);
    expect(() => resolveRunOptions(undefined, { dataset: "s.csv", model: ["a"], concurrency: 0 })).toThrow(
      /--concurrency/,
    );
    expect(() => resolveRunOptions(undefined, { dataset: "s.csv", model: ["a"], rps: -1 })).toThrow(/--rps/);
    expect(() => resolveRunOptions(undefined, { dataset: "s.csv", model: ["a"], format: "xml" })).toThrow(
      /--format/,
    );
    expect(() =>
      resolveRunOptions(undefined, { dataset: "s.csv", model: ["a"], apiKeyEnv: "not a var" }),
    ).toThrow(/environment variable/);
  });
});
