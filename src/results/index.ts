/** The run folder as a durable record: manifest, results, judgements; read by report, resume and merge. */

export type { Collated } from "./collate.js";
export { collateRecords, firstStageRecord, plannedTasks, rerankWindowSeconds } from "./collate.js";
export {
  createUniqueFolder,
  fileMatcher,
  MANIFEST_FILE,
  outputError,
  prepareOutputFolder,
  prepareRunFolder,
  QRELS_FILE,
  RESULTS_FILE,
  removeOutputs,
  writeAtomically,
} from "./folder.js";
export { type FolderLock, LOCK_FILE, lockFolder } from "./lock.js";
export * from "./manifest.js";
export { qrelsLines, readQrels } from "./qrels.js";
export type { ReadResultsOutcome } from "./reader.js";
export { readResults, readResultsFile } from "./reader.js";
export type { RecordRanking, ResultError, ResultRecord } from "./record.js";
export { rankingOfPairs, rankingPairs, recordLine, taskKey } from "./record.js";
export { ResultsWriter } from "./writer.js";
