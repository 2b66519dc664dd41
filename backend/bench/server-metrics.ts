/** One Prometheus histogram series: cumulative bucket counts by upper bound, sum and count. */
export interface Histogram {
  name: string;
  /** The series' labels other than `le`, as `key="value"` pairs joined by commas. */
  labels: string;
  buckets: [number, number][];
  sum: number;
  count: number;
}

/** GET /metrics in the Prometheus text format, or null when the server does not offer it. */
export async function scrapeMetrics(baseUrl: string): Promise<string | null> {
  const response = await fetch(new URL('/metrics', baseUrl));
  if (!response.ok) return null;
  return response.text();
}

const SAMPLE_LINE = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([A-Za-z_]\w*)="((?:[^"\\]|\\.)*)"/g;

/** Every histogram in a Prometheus text exposition, keyed by name and labels. */
export function parseHistograms(text: string): Map<string, Histogram> {
  const histograms = new Map<string, Histogram>();
  const series = (name: string, labels: string) => {
    const key = `${name}{${labels}}`;
    let histogram = histograms.get(key);
    if (!histogram) {
      histogram = { name, labels, buckets: [], sum: 0, count: 0 };
      histograms.set(key, histogram);
    }
    return histogram;
  };
  const parts: { base: string; suffix: string; labels: [string, string][]; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = SAMPLE_LINE.exec(line.trim());
    if (!match || line.startsWith('#')) continue;
    const [, name = '', labelText = '', value = ''] = match;
    const suffix = /_(bucket|sum|count)$/.exec(name)?.[1];
    if (!suffix) continue;
    const labels = [...labelText.matchAll(LABEL)].map((m): [string, string] => [m[1] ?? '', m[2] ?? '']);
    parts.push({ base: name.slice(0, -(suffix.length + 1)), suffix, labels, value: Number(value) });
  }
  const bucketed = new Set(parts.filter((p) => p.suffix === 'bucket').map((p) => p.base));
  for (const part of parts) {
    if (!bucketed.has(part.base)) continue;
    const rest = part.labels
      .filter(([k]) => k !== 'le')
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    const histogram = series(part.base, rest);
    if (part.suffix === 'bucket') {
      const le = part.labels.find(([k]) => k === 'le')?.[1] ?? '+Inf';
      histogram.buckets.push([le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), part.value]);
    } else if (part.suffix === 'sum') {
      histogram.sum = part.value;
    } else {
      histogram.count = part.value;
    }
  }
  for (const histogram of histograms.values()) histogram.buckets.sort((a, b) => a[0] - b[0]);
  return histograms;
}

/** What each histogram gathered between two scrapes; series that saw nothing are left out. */
export function histogramDelta(before: Map<string, Histogram>, after: Map<string, Histogram>): Histogram[] {
  const deltas: Histogram[] = [];
  for (const [key, now] of after) {
    const then = before.get(key);
    const count = now.count - (then?.count ?? 0);
    if (count <= 0) continue;
    deltas.push({
      ...now,
      count,
      sum: now.sum - (then?.sum ?? 0),
      buckets: now.buckets.map(([le, n]) => [le, n - (then?.buckets.find(([l]) => l === le)?.[1] ?? 0)]),
    });
  }
  return deltas;
}

/**
 * Upper bound of the bucket holding quantile q (0..1): the quantile is at most this. Infinity when it
 * lies past the largest bound. (Interpolating inside a bucket, as Prometheus does, invents values: with
 * every observation 0 it would report half the first bound.)
 */
export function histogramQuantileBound(histogram: Histogram, q: number): number {
  if (histogram.count === 0) return Number.NaN;
  const rank = q * histogram.count;
  return histogram.buckets.find(([, cumulative]) => cumulative >= rank)?.[0] ?? Number.POSITIVE_INFINITY;
}

/** The values of one metric's samples (counters and gauges), keyed by their labels as written. */
export function metricSamples(text: string, name: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = SAMPLE_LINE.exec(line.trim());
    if (!match || line.startsWith('#') || match[1] !== name) continue;
    samples.set(match[2] ?? '', Number(match[3]));
  }
  return samples;
}
