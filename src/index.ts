/** The public library API. */
export * from "./errors.js";
export type * from "./datasets/types.js";
export type * from "./rerank/types.js";
export { VERSION } from "./version.js";
