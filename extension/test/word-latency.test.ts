import type { Segment } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { WordLatency } from '../lib/offscreen/word-latency';

const T0 = 1_700_000_000_000;

/** One segment of words given as [start, end] pairs (recording seconds). */
function reply(...spans: [number, number][]): Segment[] {
  const words = spans.map(([start, end]) => ({
    word: 'w',
    start_seconds: start,
    end_seconds: end,
    confidence: 1,
  }));
  return [{ id: 's', text: 'w', start_seconds: 0, end_seconds: 1, confidence: 1, final: false, words }];
}

describe('WordLatency', () => {
  it('measures how long after a word starts the recognizer first reports it', () => {
    const latency = new WordLatency();
    expect(latency.percentile(0.5)).toBeUndefined();
    latency.observe('r', T0, reply([0, 1]), T0 + 2000);
    // The word already measured is not measured again when a later reply repeats it.
    latency.observe('r', T0, reply([0, 1], [1, 2]), T0 + 3500);
    latency.observe('r', T0, reply([2, 3]), T0 + 4200);
    // 2.0 s, 2.5 s and 2.2 s after their starts
    expect(latency.percentile(0.95)).toBeCloseTo(2.5);
    expect(latency.percentile(0.5)).toBeCloseTo(2.2);
    for (let i = 0; i < 19; i++) {
      const at = 3 + i;
      latency.observe('r', T0, reply([at, at + 0.5]), T0 + (at + 1) * 1000);
    }
    // 19 words at 1 s and the three above: the 95th percentile of 22 is the 21st, 2.2 s
    expect(latency.percentile(0.95)).toBeCloseTo(2.2);
    expect(latency.percentile(0.5)).toBeCloseTo(1);
  });

  it('measures each recording on its own', () => {
    const latency = new WordLatency();
    latency.observe('a', T0, reply([5, 6]), T0 + 6000);
    latency.observe('b', T0 + 10_000, reply([0, 1]), T0 + 11_500);
    expect(latency.percentile(0.95)).toBeCloseTo(1.5);
  });
});
