/**
 * The header row of a CSV set: which delimiter it uses, and whether it has the columns the mapping
 * asks for. A missing column is the first thing a new set trips on, so the error says how to map one
 * and which header names look closest.
 */
import { InputError } from "../errors.js";
import { readLines } from "../trec/index.js";
import type { ReadLimits } from "../trec/types.js";
import type { CsvColumns } from "./types.js";

/**
 * The CSV's default column names, which are also the keys of --columns (query_id=…, doc_id=…), for
 * each mapping key.
 */
export const DEFAULT_CSV_COLUMNS: Required<CsvColumns> = {
  queryId: "query_id",
  query: "query",
  docId: "doc_id",
  document: "document",
  title: "title",
  label: "label",
};
const FLAG_KEY = DEFAULT_CSV_COLUMNS;

const REQUIRED: ReadonlyArray<keyof CsvColumns> = ["query", "document", "label"];

/** Delimiter names a shell makes easier to type than the character (a tab above all). */
const DELIMITER_NAMES: Record<string, string> = {
  tab: "\t",
  "\\t": "\t",
  comma: ",",
  semicolon: ";",
  pipe: "|",
};

/** A CSV delimiter as given: one character, or a name for one (tab, comma, semicolon, pipe). */
export function delimiterChar(text: string): string {
  return Object.hasOwn(DELIMITER_NAMES, text) ? DELIMITER_NAMES[text] : text;
}

/**
 * The delimiter of the header line: the most frequent of comma, semicolon and tab outside quotes
 * (a European spreadsheet writes ';', a TSV export named .csv uses tabs). A comma when none appears.
 */
export function delimiterOf(header: string): string {
  const counts = new Map([
    [",", 0],
    [";", 0],
    ["\t", 0],
  ]);
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best = ",";
  for (const [ch, n] of counts) if (n > (counts.get(best) ?? 0)) best = ch;
  return best;
}

/** The delimiter of the file's first non-blank line (csv-parse skips blank lines before the header too). */
export async function detectDelimiter(path: string, limits: ReadLimits = {}): Promise<string> {
  for await (const [text] of readLines(path, limits)) if (text.trim() !== "") return delimiterOf(text);
  return ",";
}

/** The first problem with the header for this mapping, as an InputError at line 1; undefined when none. */
export function checkHeader(
  path: string,
  header: string[],
  columns: Required<CsvColumns>,
  mapping: CsvColumns,
): InputError | undefined {
  for (const key of Object.keys(columns) as Array<keyof CsvColumns>) {
    const name = columns[key];
    // Optional columns may be absent, unless the caller named them explicitly.
    const needed = REQUIRED.includes(key) || mapping[key] !== undefined;
    if (needed && !header.includes(name)) {
      const how =
        mapping[key] === undefined
          ? `map one with --columns ${FLAG_KEY[key]}=NAME`
          : `mapped by --columns ${FLAG_KEY[key]}=${name}`;
      const near = closest(name, header);
      const shown =
        near.length > 0 ? `closest headers: ${near.join(", ")}` : `header has: ${header.join(", ")}`;
      return new InputError(`no column '${name}' (${how}; ${shown})`, { file: path, line: 1 });
    }
    if (header.indexOf(name) !== header.lastIndexOf(name))
      return new InputError("column appears twice in the header", { file: path, line: 1, field: name });
  }
  return undefined;
}

/**
 * Up to three header names that look like `name`: by edit distance, ties in header order, leaving
 * out names that share too little with it (more than 70 % of the longer name edited).
 */
function closest(name: string, header: string[]): string[] {
  const wanted = name.toLowerCase();
  return header
    .map((h, i) => ({ h, i, d: distance(wanted, h.toLowerCase()) }))
    .filter(({ h, d }) => h !== "" && d < 0.7 * Math.max(wanted.length, h.length))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, 3)
    .map(({ h }) => h);
}

/** Levenshtein distance (header names are short: the quadratic table costs nothing). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
