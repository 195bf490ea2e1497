import { describe, expect, it } from "vitest";
import { importsOf, stageImports } from "../helpers/imports.js";

// design.md: src/text is neutral (shared by the server's scorers and BM25), so it depends on no stage.
describe("module boundaries", () => {
  it("src/text imports no stage", () => {
    expect(importsOf("text").length).toBeGreaterThan(0);
    expect(stageImports("text")).toEqual([]);
  });
});
