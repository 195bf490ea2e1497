/** The one shape every dataset loader produces (design.md, "Contracts between stages"). */

export type DatasetFormat = "csv" | "beir" | "trec" | "mteb";

export interface Doc {
  title?: string;
  text: string;
}

export interface EvalSet {
  /** Short name for reports and default output folders (file or folder base name). */
  name: string;
  /** The path the set was loaded from. */
  path: string;
  format: DatasetFormat;
  /** Query id → query text. */
  queries: Map<string, string>;
  /**
   * Document id → document. Only referenced documents are kept when candidates are known. A set
   * loaded from a plain (not gzipped) file keeps no texts: `get` reads a document back from the file
   * by offset each time (datasets/store.ts), so callers take a text when they send it and do not hold
   * it; it throws an InputError when the file changed since it was loaded. Iterating values reads
   * every text: fine for a small set, not for a big one.
   */
  docs: ReadonlyMap<string, Doc>;
  /** Query id → (document id → integer grade). */
  qrels: Map<string, Map<string, number>>;
  /**
   * Query id → candidate document ids, in candidate order (file order for CSV, trec order for a
   * run file, a deterministic shuffle for MTEB). Absent when the format has no candidates.
   */
  candidates?: Map<string, string[]>;
  /** True when the candidates come ranked by a first stage (a TREC run): their order is a baseline. */
  candidatesRanked?: boolean;
  /** Where the candidates came from: "csv", "mteb", "run:<path>" or "qrels" (the judged pool). */
  candidatesSource?: string;
  /** sha256 (hex) over the bytes of every input file, in a fixed order. */
  fingerprint: string;
  /** Non-fatal findings, one line each, with counts (qrels pointing at missing docs, …). */
  warnings: string[];
}

export interface CsvColumns {
  queryId?: string;
  query?: string;
  docId?: string;
  document?: string;
  title?: string;
  label?: string;
}

export interface LoadOptions {
  /** Force a format instead of detecting it from the path. */
  format?: DatasetFormat;
  /** BEIR qrels split (default "test"). */
  split?: string;
  /** CSV column names, when they differ from the defaults. */
  columns?: CsvColumns;
  /**
   * CSV field delimiter: one character, or tab, comma, semicolon, pipe. Default: a tab for .tsv,
   * else detected from the header line (comma, semicolon or tab).
   */
  delimiter?: string;
  /** A TREC run file to use as candidate lists, or "qrels" for the judged pool. */
  candidates?: string;
  /**
   * Candidate lists already in memory (a first stage computed by the caller), ranked: used as a run
   * file's lists would be. `label` names them in messages and becomes candidatesSource.
   */
  candidateLists?: { label: string; lists: Map<string, string[]> };
  /** Keep the top `depth` candidates per query (trec order) when candidates come from a run. */
  depth?: number;
  /**
   * A TREC qrels file (`qid iter docid grade`) that judges a BEIR folder instead of its
   * qrels/<split>.tsv. TREC files alone carry no text, so they are never a set by themselves.
   */
  qrels?: string;
  /**
   * The longest line any of the set's files may have, in bytes (default 64 MiB): a longer one is an
   * InputError at its line (a binary file or a device given as a dataset never ends its first line).
   */
  maxLineBytes?: number;
  /** Stops the loading when aborted (ReadLimits.signal): a Ctrl-C need not wait for a big file's end. */
  signal?: AbortSignal;
}
