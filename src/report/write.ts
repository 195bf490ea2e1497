/**
 * The write stage: every renderer's file into a folder, each whole or not at all, with every text
 * passed through the redactor (the last guard against a key a server echoed into an error).
 */
import { join } from "node:path";
import { outputError, writeAtomically } from "../results/folder.js";
import { mapStrings } from "../text/json.js";
import { RENDERERS, type Renderer, type RenderInput } from "./renderers.js";
import type { Report } from "./types.js";

/**
 * The report as written (redacted), so what a caller prints passes the same guard as the files.
 * Redaction goes string by string and copies only what it changes: a big report (per-query values
 * of 100,000s of queries) is neither copied nor turned into one string to be redacted.
 */
export async function writeReport(
  outDir: string,
  input: RenderInput,
  redact: (text: string) => string = (t) => t,
  renderers: readonly Renderer[] = RENDERERS,
): Promise<Report> {
  const report = mapStrings(input.report, redact);
  const safe = { ...input, report };
  try {
    for (const r of renderers) {
      const variants = r.file.includes("{variant}") ? report.variants.map((v) => v.id) : [""];
      for (const variant of variants) {
        const text = await r.render(safe, variant);
        const chunks = typeof text === "string" ? redact(text) : mapChunks(text, redact);
        await writeAtomically(join(outDir, r.file.replace("{variant}", variant)), chunks);
      }
    }
  } catch (err) {
    throw outputError(err, outDir);
  }
  return report;
}

function* mapChunks(chunks: Iterable<string>, f: (t: string) => string): Generator<string> {
  for (const c of chunks) yield f(c);
}

/** The file patterns the renderers write: what a run folder is cleared of before a new run. */
export const RENDERED_FILES: readonly string[] = RENDERERS.map((r) => r.file);
