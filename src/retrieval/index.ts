export {
  BM25_B,
  BM25_K1,
  Bm25Index,
  Bm25IndexBuilder,
  bm25Idf,
  byte4ToInt,
  type Hit,
  intToByte4,
  luceneLength,
  type SearchOptions,
} from "./bm25.js";
export {
  formatRun,
  indexBeirCorpus,
  type Retrieval,
  type RetrieveOptions,
  retrieveBeir,
} from "./retrieve.js";
