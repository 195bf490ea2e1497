/**
 * The two data types (ranx's Qrels and Run) that the TREC readers produce and every scorer takes:
 * plain maps, so any stage can build them without a reader.
 */

/** Query id → (document id → integer grade). */
export type Qrels = Map<string, Map<string, number>>;

/** One query's ranking, in any order: the trec rule (score desc, doc id desc by bytes) is applied inside. */
export interface Ranking {
  docIds: string[];
  scores: ArrayLike<number>;
}

/** Query id → ranking. */
export type Run = Map<string, Ranking>;

/**
 * Bounds of the line reader (lines.ts), which every file reader takes. Here, apart from the reader,
 * so that the published types of the readers need no Node types.
 */
export interface ReadLimits {
  /** The longest line accepted, in bytes before its '\n' (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /**
   * Let NUL bytes through (default: refused). For files this tool wrote itself, where NULs are
   * damage to tolerate, not a wrong file: a results.jsonl cut by a power loss can end in zeros.
   */
  allowNul?: boolean;
  /**
   * Stops the read when aborted: it fails with `Interrupted` when the reason is a signal's name (the
   * CLI's Ctrl-C), else with the reason itself. Checked between chunks (64 KB), so a big file is
   * left within a chunk's time, not at its end.
   */
  signal?: AbortSignal;
}
