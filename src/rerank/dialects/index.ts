/**
 * The registry of rerank dialects, by the names users pass as --provider.
 */
import { UsageError } from "../../errors.js";
import type { Dialect } from "../types.js";
import { cohere } from "./cohere.js";
import { cohereV1 } from "./cohere-v1.js";
import { generic } from "./generic.js";
import { infinity } from "./infinity.js";
import { jina } from "./jina.js";
import { litellm } from "./litellm.js";
import { llamacpp } from "./llamacpp.js";
import { mixedbread } from "./mixedbread.js";
import { nvidia } from "./nvidia.js";
import { pinecone } from "./pinecone.js";
import { regolo } from "./regolo.js";
import { tei } from "./tei.js";
import { vllm } from "./vllm.js";
import { vllmScore } from "./vllm-score.js";
import { voyage } from "./voyage.js";

const all: Dialect[] = [
  regolo,
  cohere,
  cohereV1,
  jina,
  voyage,
  mixedbread,
  pinecone,
  nvidia,
  tei,
  vllm,
  vllmScore,
  llamacpp,
  infinity,
  litellm,
  generic,
];

/**
 * Every dialect by name. Frozen, defaults included: the registry is process-wide, so a caller that
 * changed a cap or a score kind would silently change it for every other reranker.
 */
export const dialects: Readonly<Record<string, Dialect>> = Object.freeze(
  Object.fromEntries(
    all.map((d) => [d.name, Object.freeze({ ...d, defaults: Object.freeze({ ...d.defaults }) })]),
  ),
);

/** The dialect called `name`; a UsageError listing the known names otherwise. */
export function getDialect(name: string): Dialect {
  if (Object.hasOwn(dialects, name)) return dialects[name];
  throw new UsageError(`unknown provider '${name}'; known providers: ${Object.keys(dialects).join(", ")}`);
}
