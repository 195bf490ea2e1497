/** Module-boundary checks (design.md's folder table): what the files of a src/ folder import. */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** The stages of the pipeline; the neutral modules (text, trec) may import none of them. */
export const STAGES = [
  "datasets",
  "retrieval",
  "rerank",
  "run",
  "load",
  "results",
  "metrics",
  "report",
  "server",
  "cli",
];

/** Every import specifier (static or dynamic) in the .ts files under src/<folder>. */
export function importsOf(folder: string): { file: string; spec: string }[] {
  const dir = join(SRC, folder);
  const out: { file: string; spec: string }[] = [];
  for (const f of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    if (!f.endsWith(".ts")) continue;
    const text = readFileSync(join(dir, f), "utf8");
    for (const m of text.matchAll(/(?:from|import\()\s*["']([^"']+)["']/g)) out.push({ file: f, spec: m[1] });
  }
  return out;
}

/** The imports of src/<folder> that reach into a stage folder or src/index.ts. */
export function stageImports(folder: string): { file: string; spec: string }[] {
  const stage = new RegExp(`^(\\.\\./)+(${STAGES.join("|")})(/|$)|^(\\.\\./)+index\\.js$`);
  return importsOf(folder).filter((i) => stage.test(i.spec));
}
