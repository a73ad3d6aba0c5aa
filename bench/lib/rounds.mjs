// Ratios that survive a noisy machine (issue 14 §6): every scenario is measured in alternating
// rounds with its ceiling (ceiling, scenario, ceiling, scenario, …), each round gives one ratio
// (the scenario's sample over the ceiling's sample just before it), and the table shows the
// median of those ratios with their min–max. When the ceiling's own samples in those rounds
// differ by more than UNRELIABLE_SPREAD (max/min − 1), the machine's speed moved while the row was
// measured and the row is marked unreliable.

export const UNRELIABLE_SPREAD = 0.1;

export function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  const n = s.length;
  if (!n) return null;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** max/min − 1 of positive rates (0 for one sample; null for none). */
export function spread(rates) {
  const xs = rates.filter((x) => typeof x === 'number' && Number.isFinite(x));
  if (!xs.length) return null;
  const min = Math.min(...xs);
  return min > 0 ? Math.max(...xs) / min - 1 : Infinity;
}

/**
 * Several samples of one thing (load-generator or hash-rate results): the median rate, p50 and
 * p99, the summed errors, every sample's rate (`samples`), their spread, and the raw samples.
 */
export function summarizeSamples(list) {
  const rates = list.map((s) => s.rate);
  const sp = spread(rates);
  return {
    rate: median(rates),
    p50: median(list.map((s) => s.p50)),
    p99: median(list.map((s) => s.p99)),
    errors: list.reduce((a, s) => a + (s.errors ?? 0), 0),
    samples: rates,
    spread: sp,
    unreliable: sp !== null && sp > UNRELIABLE_SPREAD,
    raw: list,
  };
}

/**
 * Rounds of {ceiling, scenario} samples (ceiling null when it was not measured): the scenario's
 * medians, the per-round ratios with their median and min–max, and the ceiling samples of those
 * rounds with their spread and the unreliable mark.
 */
export function combineRounds(rounds) {
  const s = summarizeSamples(rounds.map((r) => r.scenario));
  const out = { ...s, scenarioSpread: s.spread, ratio: null, ratioMin: null, ratioMax: null, ratios: null, ceilingSamples: null, ceilingSpread: null, unreliable: false };
  delete out.spread;
  if (!rounds.length || rounds.some((r) => !r.ceiling || !(r.ceiling.rate > 0))) return out;
  const ratios = rounds.map((r) => r.scenario.rate / r.ceiling.rate);
  const ceilingSamples = rounds.map((r) => r.ceiling.rate);
  const ceilingSpread = spread(ceilingSamples);
  return {
    ...out,
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
    ratios,
    ceilingSamples,
    ceilingSpread,
    unreliable: ceilingSpread > UNRELIABLE_SPREAD,
  };
}
