/** What a format loader hands back before the candidates option and the fingerprint are applied. */
import type { Doc } from "./types.js";

export interface LoadedParts {
  queries: Map<string, string>;
  docs: Map<string, Doc>;
  qrels: Map<string, Map<string, number>>;
  /** Candidates the format itself defines (CSV rows, MTEB lists); absent for BEIR. */
  candidates?: Map<string, string[]>;
  candidatesSource?: string;
  /** Every file read, in the fixed order the fingerprint hashes them. */
  files: string[];
  warnings: string[];
}

/** How many, and of what: "1 query", "3 queries". */
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/** The verb form agreeing with a count: agree(1, "has", "have") → "has". */
export function agree(n: number, singular: string, plural: string): string {
  return n === 1 ? singular : plural;
}
