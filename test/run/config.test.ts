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
  it("resolves the file's paths against its own folder; absolute paths, 'qrels' and flags are left as they are", async () => {
    const { mkdir } = await import("node:fs/promises");
    await mkdir(join(dir, "sub"), { recursive: true });
    const path = await configFile(
      "sub/paths.yaml",
      [
        "dataset: { path: ../data/set.csv, candidates: runs/bm25.trec }",
        "models: [bm25]",
        "out: /abs/out",
      ].join("\n"),
    );
    const o = resolveRunOptions(await loadRunConfig(path), {});
    expect(o.dataset).toEqual({
      path: join(dir, "data/set.csv"),
      candidates: join(dir, "sub/runs/bm25.trec"),
    });
    expect(o.out).toBe("/abs/out");
    const pool = await configFile(
      "sub/pool.yaml",
      "dataset: { path: set.csv, candidates: qrels }\nmodels: [m]\n",
    );
    expect(resolveRunOptions(await loadRunConfig(pool), {}).dataset.candidates).toBe("qrels");
    // A flag is the user's own typing in the working directory: not rebased.
    const flagged = resolveRunOptions(await loadRunConfig(pool), { out: "here", dataset: "mine.csv" });
    expect([flagged.out, flagged.dataset.path]).toEqual(["here", "mine.csv"]);
  });

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
    // Relative to the config file's folder, not the working directory.
    expect(o.dataset).toEqual({ path: join(dir, "datasets/capitals.csv") });
    expect(o.models.map((m) => [m.name, m.model, m.provider, m.endpoint, m.apiKeyEnv])).toEqual([
      ["bm25", "bm25", "regolo", "embedded", undefined],
      ["Qwen3-Reranker-4B", "Qwen3-Reranker-4B", "regolo", undefined, "REGOLO_API_KEY"],
    ]);
    expect(o.topN).toEqual([3, 10]);
    expect(o.k).toEqual([1, 3, 5, 10]);
    expect(o.concurrency).toBe(8);
    expect(o.out).toBe(join(dir, "reports/demo"));
    expect(o.maxFailures).toBe(0);
  });

  it("reads JSON too, with scalar shorthands", async () => {
    const path = await configFile(
      "eval.json",
      JSON.stringify({ dataset: "set.csv", models: ["bm25"], topN: 5, k: 10 }),
    );
    const o = resolveRunOptions(await loadRunConfig(path), {});
    expect(o.dataset.path).toBe(join(dir, "set.csv"));
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

  it("--correction takes holm (the default) or bh", () => {
    const base = { dataset: "s.csv", model: ["m"] };
    expect(resolveRunOptions(undefined, base).correction).toBe("holm");
    expect(resolveRunOptions(undefined, { ...base, correction: "bh" }).correction).toBe("bh");
    expect(() => resolveRunOptions(undefined, { ...base, correction: "bonferroni" })).toThrow(
      "--correction must be one of holm, bh, got 'bonferroni'",
    );
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

describe("per-model settings", () => {
  const file = {
    dataset: "s.csv",
    models: [{ name: "a", timeoutMs: 5, options: { truncate: "END", keep: 1 } }, "b"],
    maxRequestBytes: 4096,
  };

  it("each per-model flag reaches every ModelSpec, over the entries", () => {
    const o = resolveRunOptions(file, {
      timeoutMs: "500",
      maxDocsPerRequest: 7,
      maxRequestBytes: "1000",
      qwen3Instruction: "find the capital",
      option: ["truncate=NONE", "legacyScoreFields=true"],
      retries: "0",
      provider: "vllm",
      endpoint: "http://127.0.0.1:9/rerank",
      apiKeyEnv: "MY_KEY",
    });
    const common = {
      timeoutMs: 500,
      maxDocsPerRequest: 7,
      maxRequestBytes: 1000,
      qwen3Instruction: "find the capital",
      retries: 0,
      provider: "vllm",
      endpoint: "http://127.0.0.1:9/rerank",
      apiKeyEnv: "MY_KEY",
    };
    expect(o.models).toEqual([
      { name: "a", model: "a", ...common, options: { truncate: "NONE", keep: 1, legacyScoreFields: true } },
      { name: "b", model: "b", ...common, options: { truncate: "NONE", legacyScoreFields: true } },
    ]);
  });

  it("top-level settings of the file fill what an entry leaves out; a bare --qwen3-instruction is true", () => {
    const o = resolveRunOptions(file, { qwen3Instruction: true });
    expect(o.models.map((m) => [m.name, m.timeoutMs, m.maxRequestBytes, m.qwen3Instruction])).toEqual([
      ["a", 5, 4096, true],
      ["b", undefined, 4096, true],
    ]);
    expect(o.models[0].options).toEqual({ truncate: "END", keep: 1 });
    expect("options" in o.models[1]).toBe(false);
  });

  it("the new settings read from a config file, at the top and in an entry", async () => {
    const path = await configFile(
      "per-model.yaml",
      [
        "dataset: s.csv",
        "timeoutMs: 900",
        "qwen3Instruction: true",
        "options: { truncate: END }",
        "models:",
        "  - { name: a, maxDocsPerRequest: 16, qwen3Instruction: rank capitals }",
        "  - b",
      ].join("\n"),
    );
    const o = resolveRunOptions(await loadRunConfig(path), {});
    expect(o.models).toEqual([
      {
        name: "a",
        model: "a",
        provider: "regolo",
        timeoutMs: 900,
        maxDocsPerRequest: 16,
        qwen3Instruction: "rank capitals",
        options: { truncate: "END" },
      },
      {
        name: "b",
        model: "b",
        provider: "regolo",
        timeoutMs: 900,
        qwen3Instruction: true,
        options: { truncate: "END" },
      },
    ]);
  });
});

describe("one schema for the file and the flags", () => {
  const flagError = (
    flags: Parameters<typeof resolveRunOptions>[1],
    file?: Parameters<typeof resolveRunOptions>[0],
  ) => {
    try {
      resolveRunOptions(file ?? { dataset: "s.csv", models: ["m", { name: "n", timeoutMs: 5 }] }, flags);
    } catch (err) {
      return err as Error;
    }
    throw new Error("expected an error");
  };

  it("a bad value from a flag is a UsageError naming the flag and the text as typed", () => {
    const cases: [Parameters<typeof resolveRunOptions>[1], string][] = [
      [{ topN: ["3", "0"] }, "--top-n must be a positive integer, got '0'"],
      [{ k: ["x"] }, "--k must be a positive integer, got 'x'"],
      [{ concurrency: "many" }, "--concurrency must be a positive integer, got 'many'"],
      [{ concurrency: 0 }, "--concurrency must be a positive integer, got '0'"],
      [{ rps: "-1" }, "--rps must be a positive number, got '-1'"],
      [{ seed: "1.5" }, "--seed must be an integer, got '1.5'"],
      [{ maxFailures: "-1" }, "--max-failures must be an integer >= 0, got '-1'"],
      [{ depth: ["0"] }, "--depth must be a positive integer, got '0'"],
      [{ format: "xml" }, "--format must be one of csv, beir, trec, mteb, got 'xml'"],
      // A model flag is written into every entry; the error still names the flag, not models.1.timeoutMs.
      [{ timeoutMs: "0" }, "--timeout-ms must be a positive integer, got '0'"],
      [{ maxDocsPerRequest: "2.5" }, "--max-docs-per-request must be a positive integer, got '2.5'"],
      [{ maxRequestBytes: "big" }, "--max-request-bytes must be a positive integer, got 'big'"],
      [{ retries: "-1" }, "--retries must be an integer >= 0, got '-1'"],
      [
        { apiKeyEnv: "not a var" },
        "--api-key-env takes the NAME of an environment variable (e.g. COHERE_API_KEY), not the key itself; the value given is not shown",
      ],
      [{ option: ["truncate"] }, "--option must be key=value, got 'truncate'"],
      [{ model: ["a", ""] }, "--model must not be empty, got ''"],
    ];
    for (const [flags, message] of cases) {
      const err = flagError(flags);
      expect(err, message).toBeInstanceOf(UsageError);
      expect(err.message).toBe(message);
    }
  });

  it("a bad value from the file names file:line:field, with the same rule's words", async () => {
    const path = await configFile(
      "bad-model.yaml",
      "dataset: s.csv\nconcurrency: 4\nmodels:\n  - name: a\n    timeoutMs: 0\n",
    );
    const err = await loadRunConfig(path).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(`${path}:5: field 'models.0.timeoutMs': must be a positive integer, got 0`);
    const top = await configFile("bad-top.yaml", "dataset: s.csv\nmodels: [a]\nmaxRequestBytes: -5\n");
    expect((await loadRunConfig(top).catch((e) => e)).message).toBe(
      `${top}:3: field 'maxRequestBytes': must be a positive integer, got -5`,
    );
    const union = await configFile("bad-entry.yaml", "dataset: s.csv\nmodels:\n  - { nme: a }\n");
    expect((await loadRunConfig(union).catch((e) => e)).message).toBe(
      `${union}:3: field 'models.0.nme': unknown key`,
    );
    const dataset = await configFile(
      "bad-dataset.yaml",
      "dataset:\n  path: s.csv\n  depth: 0\nmodels: [a]\n",
    );
    expect((await loadRunConfig(dataset).catch((e) => e)).message).toBe(
      `${dataset}:3: field 'dataset.depth': must be a positive integer, got 0`,
    );
  });

  it("a flag over a good file is judged as a flag; a bad value in a config built in code names its field", async () => {
    const path = await configFile("good.yaml", "dataset: s.csv\nmodels: [a]\ntimeoutMs: 100\n");
    const file = await loadRunConfig(path);
    expect(() => resolveRunOptions(file, { timeoutMs: "0" })).toThrow(
      new UsageError("--timeout-ms must be a positive integer, got '0'"),
    );
    const built = flagError({}, { dataset: "s.csv", models: ["a"], concurrency: 0 });
    expect(built).toBeInstanceOf(InputError);
    expect(built.message).toBe("field 'concurrency': must be a positive integer, got 0");
  });
});
