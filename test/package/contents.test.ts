/**
 * What `npm pack` ships: the built library and CLI, the licence, the README, the demo's config and
 * datasets; no tests, TypeScript sources, benchmarks, reports, CI scripts or node_modules.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { pack } from "./pack.js";

let files: string[];
beforeAll(async () => {
  files = (await pack()).files;
});

describe("npm pack", () => {
  it.each([
    "package.json",
    "LICENSE",
    "README.md",
    "dist/cli/main.js",
    "dist/index.js",
    "dist/index.d.ts",
    "examples/demo.yaml",
    "datasets/capitals.csv",
    "datasets/README.md",
    "datasets/tiny-beir/corpus.jsonl",
    "datasets/tiny-beir/queries.jsonl",
    "datasets/tiny-beir/qrels/test.tsv",
    "datasets/tiny-beir/run.trec",
  ])("ships %s", (path) => {
    expect(files).toContain(path);
  });

  it("ships no tests, sources, benchmarks, reports, CI scripts or node_modules", () => {
    const unwanted = files.filter(
      (f) =>
        /^(test|src|bench|reports|\.ci|node_modules)\//.test(f) ||
        f.includes("/node_modules/") ||
        // TypeScript sources anywhere (declarations are the point of dist/)
        (/\.(ts|mts|cts)$/.test(f) && !/\.d\.(ts|mts|cts)$/.test(f)) ||
        /^(tsconfig.*|vitest\.config\.ts|biome\.json|\.npmrc|\.gitignore|package-lock\.json)$/.test(f),
    );
    expect(unwanted).toEqual([]);
  });

  it("ships only what package.json's files list names, plus npm's always-included files", () => {
    const roots = new Set(files.map((f) => f.split("/")[0]));
    expect([...roots].sort()).toEqual([
      "LICENSE",
      "README.md",
      "datasets",
      "dist",
      "examples",
      "package.json",
    ]);
  });
});
