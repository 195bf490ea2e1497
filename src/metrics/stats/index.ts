/** Statistics for comparing systems on per-query scores (metrics.md, "Comparing systems"). */
export { type AdjustMethod, adjustPValues } from "./adjust.js";
export { type BootstrapInterval, bootstrapInterval, meanIntervals } from "./bootstrap.js";
export {
  type ComparisonOptions,
  comparisonsAndIntervals,
  type NamedComparison,
  type PairedComparison,
  pairedComparison,
  pairedComparisons,
} from "./compare.js";
export { compactLetters } from "./letters.js";
export { normalCdf, normalQuantile } from "./normal.js";
export { effectSize, minimumDetectableEffect, queriesNeeded } from "./power.js";
export { EXACT_MAX_QUERIES, exactSignFlipP, REACH_TOLERANCE } from "./randomization.js";
export { pairedTTest, type TTest } from "./ttest.js";
export { startTukeyHSD, type TukeyOptions, type TukeyPair, type TukeyResult, tukeyHSD } from "./tukey.js";
