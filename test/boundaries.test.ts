/**
 * design.md's folder table as tests: imports point down the pipeline or sideways into the neutral
 * modules, never back up. Type imports count too (they are what let a lower module depend on a
 * higher one's shapes).
 */
import { describe, expect, it } from "vitest";
import { importsOf } from "./helpers/imports.js";

/** folder → the folders it must not import (each a stage above it, or one it must stay apart from). */
const MUST_NOT: Record<string, string[]> = {
  // The run folder as a record is read by report, resume and merge: it must not know them.
  results: ["run", "report", "cli", "datasets"],
  // Reports are rebuilt from a folder without the run that wrote it.
  report: ["run", "cli", "rerank", "server", "datasets"],
  metrics: ["run", "report", "results", "cli", "rerank", "server", "datasets"],
  rerank: ["run", "report", "results", "cli", "server", "datasets", "metrics"],
  datasets: ["run", "report", "results", "cli", "rerank", "server"],
  // The reference server must not lean on the client, or it could not check it honestly.
  server: ["rerank", "run", "report", "results", "cli"],
  run: ["cli"],
};

describe("module boundaries", () => {
  for (const [folder, banned] of Object.entries(MUST_NOT)) {
    it(`src/${folder} imports nothing from ${banned.join(", ")}`, () => {
      const found = importsOf(folder);
      expect(found.length).toBeGreaterThan(0);
      const upward = found.filter((i) => banned.some((b) => new RegExp(`(^|/)\\.\\./${b}/`).test(i.spec)));
      expect(upward).toEqual([]);
    });
  }
});
