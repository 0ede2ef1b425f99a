/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/**
 * A distribution-free confidence interval for the median of `values` (at least 95%): the pair of order
 * statistics between which the true median lies with that probability, whatever the distribution, since
 * each value falls below it with probability ½. `undefined` below 6 values, too few for any interval.
 */
export function medianInterval(values: readonly number[]): [low: number, high: number] | undefined {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // The largest k with P(Binomial(n, ½) < k) <= 2.5%: then [k-th, (n+1-k)-th] covers the median.
  let below = 0;
  let term = 0.5 ** n; // P(X = 0)
  let k = 0;
  while (below + term <= 0.025) {
    below += term;
    term *= (n - k) / (k + 1); // P(X = k + 1)
    k++;
  }
  return k === 0 ? undefined : [sorted[k - 1]!, sorted[n - k]!];
}
