/**
 * Cost from a model's price as its provider bills it (per search unit, per 1,000 requests, per
 * million tokens) and what the run used; and the front of variants no other beats on quality,
 * p95 latency and cost at once.
 */
import type { ManifestVariant } from "../results/manifest.js";
import type { ResultRecord } from "../results/record.js";
import type { ReportVariant } from "./types.js";

/** Cohere bills a query of up to 100 documents as one search unit (api-dialects.md). */
const DOCUMENTS_PER_SEARCH_UNIT = 100;

/** report.json's cost of a variant (schema.ts): currency, total, per 1,000 queries, per +0.01, basis. */
export type VariantCost = NonNullable<ReportVariant["cost"]>;

export function variantCost(price: ManifestVariant["price"], records: ResultRecord[]): VariantCost | null {
  if (!price) return null;
  const answered = records.filter((r) => !r.error && r.attempts > 0);
  const basis: string[] = [];
  let total: number | null = 0;
  const add = (amount: number) => {
    if (total !== null) total += amount;
  };
  if (price.perSearchUnit !== undefined) {
    const reported = sum(answered.map((r) => r.usage?.searchUnits ?? 0));
    const units =
      reported > 0 ? reported : sum(answered.map((r) => Math.ceil(r.candidates / DOCUMENTS_PER_SEARCH_UNIT)));
    basis.push(
      reported > 0
        ? `${units} search units (reported)`
        : `${units} search units (estimated: one per ${DOCUMENTS_PER_SEARCH_UNIT} documents of a query)`,
    );
    add(units * price.perSearchUnit);
  }
  if (price.per1kRequests !== undefined) {
    const requests = sum(answered.map((r) => r.requests));
    basis.push(`${requests} requests`);
    add((requests / 1000) * price.per1kRequests);
  }
  if (price.perMillionTokens !== undefined) {
    const tokens = sum(answered.map((r) => r.usage?.totalTokens ?? r.usage?.promptTokens ?? 0));
    if (tokens > 0) {
      basis.push(`${tokens} tokens (reported)`);
      add((tokens / 1e6) * price.perMillionTokens);
    } else {
      basis.push("tokens not reported by the provider: cost unknown");
      total = null;
    }
  }
  return {
    currency: price.currency ?? "USD",
    total,
    per1kQueries: total !== null && answered.length ? (1000 * total) / answered.length : null,
    perPlus001: null,
    basis,
  };
}

/** Per 1,000 queries, the extra cost of each +0.01 of the measure over the baseline (only when better). */
export function costPerPlus001(
  variantPer1k: number | null,
  baselinePer1k: number | null,
  delta: number,
): number | null {
  if (variantPer1k === null || baselinePer1k === null || !(delta > 0)) return null;
  return (variantPer1k - baselinePer1k) / (delta / 0.01);
}

export interface FrontPoint {
  id: string;
  quality: number;
  p95: number;
  cost: number | null;
}

/**
 * The variants no other variant beats: at least as good on every axis and better on one. Cost is
 * an axis only when every variant has one (a variant without a price cannot be placed on it).
 */
export function front(points: FrontPoint[]): { axes: string[]; variants: string[] } {
  const withCost = points.every((p) => p.cost !== null);
  const beats = (a: FrontPoint, b: FrontPoint) => {
    const ge = a.quality >= b.quality && a.p95 <= b.p95 && (!withCost || (a.cost ?? 0) <= (b.cost ?? 0));
    const gt = a.quality > b.quality || a.p95 < b.p95 || (withCost && (a.cost ?? 0) < (b.cost ?? 0));
    return ge && gt;
  };
  return {
    axes: withCost ? ["quality", "p95 latency", "cost"] : ["quality", "p95 latency"],
    variants: points.filter((p) => !points.some((q) => q !== p && beats(q, p))).map((p) => p.id),
  };
}

function sum(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
