/**
 * Multiple-comparison adjustment of p-values (metrics.md: Holm when several systems are compared
 * with a baseline; Boytsov, Belova & Westfall, SIGIR 2013, find Holm on permutation p-values a sound
 * default). With p₍₁₎ ≤ … ≤ p₍ₘ₎ the sorted p-values:
 *
 *   Holm (step-down, controls the family-wise error):  p̃₍ᵢ₎ = max_{j ≤ i} min(1, (m − j + 1) · p₍ⱼ₎)
 *   Benjamini–Hochberg (step-up, controls the FDR):     p̃₍ᵢ₎ = min_{j ≥ i} min(1, m / j · p₍ⱼ₎)
 *
 * The adjusted values come back in the input order; they are monotone in the raw p-values, never
 * below them, and capped at 1 (R's p.adjust and statsmodels' multipletests give the same).
 */
export type AdjustMethod = "holm" | "bh";

export function adjustPValues(ps: readonly number[], method: AdjustMethod): number[] {
  const m = ps.length;
  for (const [i, p] of ps.entries())
    if (!(p >= 0 && p <= 1)) throw new RangeError(`adjustPValues: p[${i}] = ${p} is not in [0, 1]`);
  // Sort positions by p, ties by position, so that equal p-values get equal adjusted values.
  const order = ps.map((_, i) => i).sort((a, b) => ps[a] - ps[b] || a - b);
  const out = new Array<number>(m);
  if (method === "holm") {
    let running = 0;
    for (let r = 0; r < m; r++) {
      running = Math.max(running, Math.min(1, (m - r) * ps[order[r]]));
      out[order[r]] = running;
    }
  } else if (method === "bh") {
    let running = 1;
    for (let r = m - 1; r >= 0; r--) {
      running = Math.min(running, Math.min(1, (m / (r + 1)) * ps[order[r]]));
      out[order[r]] = running;
    }
  } else throw new RangeError(`adjustPValues: unknown method ${String(method)}`);
  return out;
}
