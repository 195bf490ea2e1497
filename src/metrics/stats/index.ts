/** Statistics for comparing systems on per-query scores (metrics.md, "Comparing systems"). */
export { normalCdf, normalQuantile } from "./normal.js";
