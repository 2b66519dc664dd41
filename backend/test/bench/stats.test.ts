import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  histogramDelta,
  histogramQuantileBound,
  type Histogram as ParsedHistogram,
  parseHistograms,
} from '../../bench/server-metrics';
import { percentile, spread } from '../../bench/stats';

describe('latency statistics', () => {
  it('interpolates percentiles between ranks, whatever the input order', () => {
    const values = [400, 100, 300, 200, 500];
    expect(percentile(values, 50)).toBe(300);
    expect(percentile(values, 95)).toBeCloseTo(480);
    expect(percentile(values, 0)).toBe(100);
    expect(spread(values)).toMatchObject({ count: 5, p50: 300, max: 500, mean: 300 });
  });

  it('reports no numbers rather than zeros when nothing was measured', () => {
    expect(spread([]).p95).toBeNaN();
    expect(spread([]).count).toBe(0);
  });
});

describe("reading the server's per-stage histograms", () => {
  it('takes what a prom-client histogram gathered between two scrapes, per stage', async () => {
    const registry = new Registry();
    const histogram = new Histogram({
      name: 'earshot_stage_seconds',
      help: 'stage time',
      labelNames: ['stage'],
      buckets: [0.05, 0.1, 0.2, 0.5, 1],
      registers: [registry],
    });
    histogram.observe({ stage: 'decode' }, 0.9);
    const before = parseHistograms(await registry.metrics());
    for (const seconds of [0.06, 0.07, 0.08, 0.09, 0.15]) histogram.observe({ stage: 'inference' }, seconds);
    for (const seconds of [0.01, 0.02]) histogram.observe({ stage: 'decode' }, seconds);
    const delta = histogramDelta(before, parseHistograms(await registry.metrics()));

    const inference = delta.find((h) => h.labels === 'stage="inference"') as ParsedHistogram;
    const decode = delta.find((h) => h.labels === 'stage="decode"') as ParsedHistogram;
    expect(delta).toHaveLength(2);
    expect(inference.count).toBe(5);
    expect(inference.sum).toBeCloseTo(0.45);
    expect(decode.count).toBe(2);
    expect(decode.sum).toBeCloseTo(0.03);
    // 4 of 5 observations lie in (0.05, 0.1], the fifth in (0.1, 0.2].
    expect(histogramQuantileBound(inference, 0.5)).toBe(0.1);
    expect(histogramQuantileBound(inference, 0.95)).toBe(0.2);
    expect(histogramQuantileBound(decode, 0.95)).toBe(0.05);
  });
});
