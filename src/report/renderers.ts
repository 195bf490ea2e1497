/**
 * Everything a report folder holds besides the run's record, as a list: each entry names its file
 * and renders it from the scored run. Adding an output (report.html) is one file and one entry
 * here; the run folder's cleaning rule and `report DIR` follow the list.
 */
import type { Qrels } from "../metrics/index.js";
import { QRELS_FILE } from "../results/folder.js";
import { qrelsLines } from "../results/qrels.js";
import type { ResultRecord } from "../results/record.js";
import { jsonChunks } from "../text/json.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { trecRunChunks } from "./trec.js";
import type { Report } from "./types.js";

export interface RenderInput {
  report: Report;
  /** Variant id → its records in query order (failed ones included). */
  records: Map<string, ResultRecord[]>;
  /** The planned query ids, in plan order. */
  qids: string[];
  /** The judgements the report was scored with. */
  qrels: Qrels;
}

export interface Renderer {
  /** The file it writes; "{variant}" in it means one file per variant, named by the variant id. */
  file: string;
  /** The file's text, whole or in pieces (a large run file is never one string), or later (charts render asynchronously). */
  render(input: RenderInput, variant: string): string | Iterable<string> | Promise<string>;
}

/** In writing order: report.json last, so a folder with a report.json holds a finished report. */
export const RENDERERS: readonly Renderer[] = [
  {
    file: "run-{variant}.trec",
    render: ({ records }, variant) => trecRunChunks(records.get(variant) ?? [], variant),
  },
  {
    file: QRELS_FILE,
    render: ({ qids, qrels }) => qrelsLines(qids, qrels),
  },
  { file: "report.md", render: ({ report }) => renderMarkdown(report) },
  { file: "report.html", render: ({ report, records }) => renderHtml(report, records) },
  // In pieces: per-query values of a big run are tens of MB of text.
  { file: "report.json", render: ({ report }) => withNewline(jsonChunks(report)) },
];

function* withNewline(chunks: Iterable<string>): Generator<string> {
  yield* chunks;
  yield "\n";
}
