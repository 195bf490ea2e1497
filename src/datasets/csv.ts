/**
 * CSV (or TSV) labelled pairs: one row per (query, document, label); a query's candidates are its
 * rows in file order. csv-parse does the quoting, BOM and CRLF; this file maps columns, derives ids,
 * checks consistency and keeps exact line numbers for every error.
 */
import { CsvError, parse } from "csv-parse";
import { InputError } from "../errors.js";
import {
  checkDecodedId,
  formatBytes,
  MAX_LINE_BYTES,
  openInput,
  parseGrade,
  readFailure,
  utf8Checker,
} from "../trec/index.js";
import type { ReadLimits } from "../trec/types.js";
import { checkHeader, DEFAULT_CSV_COLUMNS, detectDelimiter } from "./csv-header.js";

export { DEFAULT_CSV_COLUMNS };

import { recordFields } from "./csv-record.js";
import { requireFile } from "./files.js";
import { docIdFromText, queryIdFromText } from "./ids.js";
import type { LoadedParts } from "./parts.js";
import { DocStore, utf8Of } from "./store.js";
import type { CsvColumns, Doc } from "./types.js";

interface Seen<T> {
  value: T;
  line: number;
}

export interface CsvOptions extends ReadLimits {
  /** Column names, when they differ from DEFAULT_CSV_COLUMNS. */
  columns?: CsvColumns;
  /** One character; default: a tab for .tsv, else detected from the header line. */
  delimiter?: string;
}

export async function loadCsv(path: string, opts: CsvOptions = {}): Promise<LoadedParts> {
  await requireFile(path, "a CSV file");
  const mapping = opts.columns ?? {};
  const columns = { ...DEFAULT_CSV_COLUMNS, ...mapping };
  const tsv = /\.tsv(\.gz)?$/i.test(path);
  // Without detection a ';' file's header is one column named 'query;document;label'.
  const delimiter = opts.delimiter ?? (tsv ? "\t" : await detectDelimiter(path, opts));
  // Quoted fields span lines: a record, not only a line, is bounded (csv-parse counts characters).
  const maxRecord = opts.maxLineBytes ?? MAX_LINE_BYTES;
  let headerError: InputError | undefined;
  let header: string[] = [];
  // Line numbers are tracked here, in parser order: csv-parse counts a CRLF as two lines, and it
  // runs ahead of the loop below, so a syntax error must be placed from what it has parsed.
  let previousEnd = 0;
  let previousEmpty = 0;
  const startOf = (emptyLines: number) => previousEnd + 1 + (emptyLines - previousEmpty);
  // Document texts are not kept: each record's bytes [start, end) are, and a text is read back by
  // scanning its record again with the same syntax (store.ts, csv-record.ts). csv-parse's info.bytes
  // is the byte offset after a record's line break, so a record starts where the one before it ended.
  let recordStart = 0;
  const fields = { document: -1, title: -1 };
  const quote: string | false = tsv ? false : '"';
  const decode = (bytes: Uint8Array): Doc => {
    const syntax = { delimiter, quote, recordDelimiter: recordDelimiter(parser) };
    const row = recordFields(utf8Of(bytes), syntax, Math.max(fields.document, fields.title));
    const title = fields.title >= 0 ? row[fields.title] : "";
    const text = row[fields.document];
    return title ? { title, text } : { text };
  };
  const store = DocStore.forFile(path, decode);
  const parser = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    delimiter,
    max_record_size: maxRecord,
    // TSV files are not quoted: a quote character there is part of the text.
    quote,
    columns: (names: string[]) => {
      header = names.map((name) => name.trim());
      headerError = checkHeader(path, header, columns, mapping);
      if (headerError) throw headerError;
      previousEnd = 1 + names.reduce((n, v) => n + lineBreaks(v), 0);
      recordStart = parser.info.bytes;
      fields.document = header.indexOf(columns.document);
      fields.title = header.indexOf(columns.title);
      return header;
    },
    on_record: ({
      record,
      info,
    }: {
      record: Record<string, string>;
      info: { empty_lines: number; bytes: number };
    }) => {
      const line = startOf(info.empty_lines);
      previousEmpty = info.empty_lines;
      previousEnd = line + Object.values(record).reduce((n, v) => n + lineBreaks(v), 0);
      const start = recordStart;
      recordStart = info.bytes;
      return { record, line, start, end: info.bytes };
    },
  });
  const source = await openInput(path, opts);
  source.on("error", (err) => parser.destroy(err));
  // csv-parse decodes for us, turning invalid bytes into U+FFFD. This listener sees each chunk before
  // the parser does (it is added first), so a record from bad bytes always finds the flag set.
  const utf8 = utf8Checker();
  let fileIsUtf8 = true;
  source.on("data", (chunk: Buffer) => {
    fileIsUtf8 &&= utf8.push(chunk);
  });
  source.on("end", () => {
    fileIsUtf8 &&= utf8.end();
  });
  source.pipe(parser);

  const present = (name: string) => header.includes(name);
  const queries = new Map<string, Seen<string>>();
  const docLine = new Map<string, number>();
  const qrels = new Map<string, Map<string, number>>();
  const candidateLines = new Map<string, Map<string, number>>();

  try {
    for await (const { record, line, start, end } of parser as AsyncIterable<{
      record: Record<string, string>;
      line: number;
      start: number;
      end: number;
    }>) {
      const where = (column: string) => ({ file: path, line, field: column });

      const queryText = record[columns.query];
      if (queryText.trim() === "") throw new InputError("empty query text", where(columns.query));
      const title = present(columns.title) ? record[columns.title] : "";
      const text = record[columns.document];
      if (text.trim() === "" && title.trim() === "")
        throw new InputError("empty document text", where(columns.document));
      const grade = parseGrade(record[columns.label]);
      if (grade === undefined)
        throw new InputError(
          `expected an integer grade, got '${record[columns.label]}'`,
          where(columns.label),
        );

      const queryIdText = present(columns.queryId) ? record[columns.queryId].trim() : "";
      const queryId = queryIdText || queryIdFromText(queryText);
      const docIdText = present(columns.docId) ? record[columns.docId].trim() : "";
      const docId = docIdText || docIdFromText(text, title || undefined);

      // Ids, given or derived from the texts, must not come from invalid bytes (trec/utf8.ts).
      if (!fileIsUtf8) {
        const check = (value: string, column: string) => checkDecodedId(value, false, where(column));
        if (queryIdText) check(queryIdText, columns.queryId);
        else check(queryText, columns.query);
        if (docIdText) check(docIdText, columns.docId);
        else {
          check(text, columns.document);
          check(title, columns.title);
        }
      }

      const knownQuery = queries.get(queryId);
      if (knownQuery === undefined) queries.set(queryId, { value: queryText, line });
      else if (knownQuery.value !== queryText)
        throw new InputError(
          `query '${queryId}' has a different text than on line ${knownQuery.line}`,
          where(present(columns.queryId) ? columns.queryId : columns.query),
        );

      const doc: Doc = title ? { title, text } : { text };
      const knownLine = docLine.get(docId);
      if (knownLine === undefined) {
        docLine.set(docId, line);
        store.add(docId, doc, start, end);
      } else if (!sameDoc(store.get(docId), doc))
        throw new InputError(
          `document '${docId}' has a different text than on line ${knownLine}`,
          where(present(columns.docId) ? columns.docId : columns.document),
        );

      let pool = candidateLines.get(queryId);
      if (pool === undefined) {
        pool = new Map();
        candidateLines.set(queryId, pool);
        qrels.set(queryId, new Map());
      }
      const earlier = pool.get(docId);
      if (earlier !== undefined)
        throw new InputError(
          `duplicate document '${docId}' in the candidates of query '${queryId}' (first on line ${earlier})`,
          where(present(columns.docId) ? columns.docId : columns.document),
        );
      pool.set(docId, line);
      qrels.get(queryId)?.set(docId, grade);
    }
  } catch (err) {
    if (headerError) throw headerError;
    if (err instanceof InputError) throw err;
    // csv-parse's codes mostly, not all, start with CSV_ (INVALID_OPENING_QUOTE does not).
    if (err instanceof CsvError) {
      const context = err as CsvError & { empty_lines?: number; column?: unknown };
      throw new InputError(csvReason(err, maxRecord), {
        file: path,
        line: startOf(context.empty_lines ?? previousEmpty),
        field: typeof context.column === "string" ? context.column : undefined,
      });
    }
    throw readFailure(path, err);
  } finally {
    source.destroy();
  }
  if (header.length === 0)
    throw new InputError("empty file (expected a header row)", { file: path, line: 1 });
  if (queries.size === 0) throw new InputError("no data rows after the header", { file: path, line: 2 });

  const candidates = new Map<string, string[]>();
  for (const [queryId, pool] of candidateLines) candidates.set(queryId, [...pool.keys()]);
  return {
    queries: new Map([...queries].map(([id, seen]) => [id, seen.value])),
    docs: store,
    qrels,
    candidates,
    candidatesSource: "csv",
    files: [path],
    warnings: [],
  };
}

function sameDoc(a: Doc | undefined, b: Doc): boolean {
  return a !== undefined && a.text === b.text && (a.title ?? "") === (b.title ?? "");
}

/**
 * The line break the parser found (csv-parse takes the first of \r\n, \n or \r in the file as the
 * only record delimiter); undefined when it has none, and any line break ends a record.
 */
function recordDelimiter(parser: unknown): string | undefined {
  const found = (parser as { options?: { record_delimiter?: Buffer[] } }).options?.record_delimiter;
  return Array.isArray(found) && found.length === 1 ? found[0].toString("utf8") : undefined;
}

function lineBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0;
}

function csvReason(err: CsvError, maxRecord: number): string {
  switch (err.code) {
    case "CSV_MAX_RECORD_SIZE":
      return `record longer than ${formatBytes(maxRecord)}`;
    case "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH":
    case "CSV_RECORD_INCONSISTENT_COLUMNS":
      return `expected as many fields as the header has, got ${(err as { record?: unknown[] }).record?.length ?? "a different number"}`;
    case "CSV_QUOTE_NOT_CLOSED":
      return "quoted field is never closed (expected a closing '\"')";
    case "INVALID_OPENING_QUOTE":
      return 'a quote inside an unquoted field (expected the whole field in quotes, inner quotes doubled: "say ""hi""")';
    case "CSV_INVALID_CLOSING_QUOTE":
      return "text after a closing quote (expected ',' or the end of the line; a quote inside quotes is written \"\")";
    default:
      return `malformed CSV: ${err.message.replace(/ at line \d+.*$| on line \d+.*$/, "")}`;
  }
}
