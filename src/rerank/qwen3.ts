/**
 * Qwen3-Reranker instruction formatting, as regolo documents it: the server scores the raw text, so
 * without these tags the model sees a prompt it was not trained on and ranks close to random.
 * Off by default because servers that carry a score template would apply it twice.
 */

export const DEFAULT_QWEN3_INSTRUCTION =
  "Given a web search query, retrieve relevant passages that answer the query";

/** `true` means the default instruction; a string is a custom one; false/undefined means off. */
export function qwen3Instruction(setting: boolean | string | undefined): string | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return DEFAULT_QWEN3_INSTRUCTION;
  return setting.trim() === "" ? DEFAULT_QWEN3_INSTRUCTION : setting;
}

export function qwen3Query(query: string, instruction: string): string {
  return `<Instruct>: ${instruction}\n<Query>: ${query}`;
}

export function qwen3Document(document: string): string {
  return `<Document>: ${document}`;
}
