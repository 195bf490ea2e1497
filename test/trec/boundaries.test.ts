import { describe, expect, it } from "vitest";
import { importsOf, stageImports } from "../helpers/imports.js";

// design.md: src/trec is neutral (datasets, metrics and the CLI read TREC files through it), so it
// depends on no stage; src/errors.ts is neutral too.
describe("module boundaries", () => {
  it("src/trec imports no stage", () => {
    expect(importsOf("trec").length).toBeGreaterThan(5);
    expect(stageImports("trec")).toEqual([]);
  });
});
