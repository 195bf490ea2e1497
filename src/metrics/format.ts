/**
 * A value as trec_eval prints it with `%.4f`: C rounds the double's exact decimal value, ties to
 * even (0.03125 → "0.0312"), where JavaScript's toFixed rounds ties up ("0.0313"). Exact ties are
 * rare but real (1/32 is a reciprocal rank); telling one apart needs the exact expansion, which
 * toFixed gives: a double ≥ 5e-5 has no digit beyond the 30th decimal that could break a tie.
 */
export function formatTrecValue(x: number, decimals = 4): string {
  const exact = Math.abs(x).toFixed(30);
  const dot = exact.indexOf(".");
  const rest = exact.slice(dot + 1 + decimals);
  if (!/^50*$/.test(rest)) return x.toFixed(decimals);
  const truncated = exact.slice(0, dot + 1 + decimals);
  const even = Number(truncated.at(-1)) % 2 === 0;
  const magnitude = even ? truncated : (Number(truncated) + 10 ** -decimals).toFixed(decimals);
  return x < 0 ? `-${magnitude}` : magnitude;
}
