/** What a format loader hands back before the candidates option and the fingerprint are applied. */
import type { DocStore } from "./store.js";

export interface LoadedParts {
  queries: Map<string, string>;
  docs: DocStore;
  qrels: Map<string, Map<string, number>>;
  /** Candidates the format itself defines (CSV rows, MTEB lists); absent for BEIR. */
  candidates?: Map<string, string[]>;
  candidatesSource?: string;
  /** Every file read, in the fixed order the fingerprint hashes them. */
  files: string[];
  warnings: string[];
}
