/**
 * Post-processing shared by every dialect (api-dialects.md §18.4): empty-document filtering with an
 * index map, the deterministic sort, and usage arithmetic across chunks.
 */
import type { RerankItem, RerankUsage } from "./types.js";

export interface FilteredDocuments {
  /** Documents that will be sent, in original order. */
  kept: string[];
  /** kept[i] was documents[originalIndex[i]]. */
  originalIndex: number[];
  /** Original positions of the empty or whitespace-only documents. */
  skipped: number[];
}

/** Providers answer 400 to empty or blank documents (Cohere, Voyage, TEI), so they never leave here. */
export function filterEmptyDocuments(documents: readonly string[]): FilteredDocuments {
  const kept: string[] = [];
  const originalIndex: number[] = [];
  const skipped: number[] = [];
  documents.forEach((doc, i) => {
    if (typeof doc === "string" && doc.trim() !== "") {
      kept.push(doc);
      originalIndex.push(i);
    } else {
      skipped.push(i);
    }
  });
  return { kept, originalIndex, skipped };
}

/** Score descending, index ascending on ties, so the same answer always gives the same ranking. */
function compareItems(a: RerankItem, b: RerankItem): number {
  return b.score - a.score || a.index - b.index;
}

/** Sorted in place by the rule above; an answer already in that order (most are) is left as it is. */
export function sortItems(items: RerankItem[]): RerankItem[] {
  for (let i = 1; i < items.length; i++) {
    if (compareItems(items[i - 1], items[i]) > 0) return items.sort(compareItems);
  }
  return items;
}

/** Whether the provider already returned its items in descending score order (ties in any order). */
export function isSortedByScore(items: readonly { score: number }[]): boolean {
  for (let i = 1; i < items.length; i++) {
    if (items[i].score > items[i - 1].score) return false;
  }
  return true;
}

export function addUsage(
  total: RerankUsage | undefined,
  part: RerankUsage | undefined,
): RerankUsage | undefined {
  if (!part) return total;
  const sum: RerankUsage = { ...total };
  for (const key of ["totalTokens", "promptTokens", "searchUnits", "rerankUnits"] as const) {
    const value = part[key];
    if (typeof value === "number") sum[key] = (sum[key] ?? 0) + value;
  }
  return sum;
}
