/**
 * TREC files and the data types every stage shares (design.md: a neutral module, importing no
 * stage): qrels and run readers, the Qrels/Ranking/Run types, the trec order, and the one streaming
 * line reader that every file loader uses.
 */
export {
  formatBytes,
  MAX_LINE_BYTES,
  openInput,
  type ReadLimits,
  readFailure,
  readLines,
  readTextFile,
  regularFile,
  streamLines,
} from "./lines.js";
export { compareIdBytes, compareTrec, sortTrec, tiesInTopK, trecOrder } from "./order.js";
export { parseGrade, readQrels } from "./qrels.js";
export { rankedCandidates, readRun, scanRun } from "./run.js";
export {
  blockTrecOrder,
  compareBlockIds,
  duplicateTable,
  findDuplicate,
  hashIdBytes,
  type LocatedRunBlock,
  type RunBlock,
  RunBlockBuilder,
} from "./run-block.js";
export type { Qrels, Ranking, Run } from "./types.js";
export { checkDecodedId, invalidIdBytes, showBytes, utf8Checker } from "./utf8.js";
