/** Statistics for comparing systems on per-query scores (metrics.md, "Comparing systems"). */
export { type BootstrapInterval, bootstrapInterval } from "./bootstrap.js";
export { normalCdf, normalQuantile } from "./normal.js";
export { effectSize, minimumDetectableEffect, queriesNeeded } from "./power.js";
export { pairedTTest, type TTest } from "./ttest.js";
