/** The scipy reference values of test/fixtures/stats/reference.json (made by make.py, beside it). */
import { readFileSync } from "node:fs";

export interface PairReference {
  base: number[];
  variant: number[];
  ttest: { t: number; p: number; df: number };
  permutation: { p: number; exact: boolean; resamples: number | null; mcSe: number };
  bootstrapBCa?: Record<"low" | "high", { mean: number; sd: number }>;
  bootstrapPercentile?: Record<"low" | "high", { mean: number; sd: number }>;
  power?: { sd: number; effectSize: number; mde: number; queriesFor001: number };
  bcaGiven?: { thetaHat: number; distribution: number[]; ci: [number, number] };
}

export interface Reference {
  pairs: Record<string, PairReference>;
  adjust: { p: number[]; holm: number[]; bh: number[] };
  tukey: {
    systems: Record<string, number[]>;
    means: Record<string, number>;
    pairs: {
      a: string;
      b: string;
      delta: number;
      pRandomized: number;
      pRandomizedMcSe: number;
      pOneWay: number;
      pBlocked: number;
    }[];
  };
  normal: { cdf: [number, number][]; quantile: [number, number][] };
}

export const REF: Reference = JSON.parse(
  readFileSync(new URL("../../fixtures/stats/reference.json", import.meta.url), "utf8"),
);

/** Relative difference at most `rel` (p-values and t span many orders of magnitude). */
export function relClose(actual: number | null, expected: number, rel = 1e-12): boolean {
  return actual !== null && Math.abs(actual - expected) <= rel * Math.max(Math.abs(expected), 1e-300);
}
