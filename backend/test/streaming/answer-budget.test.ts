import { describe, expect, it } from 'vitest';
import { answerWaitMs } from '../../src/streaming/answer-budget';

describe('answerWaitMs', () => {
  it('leaves part of every chunk for its decode and round trip, so one-at-a-time uploads keep up', () => {
    for (const seconds of [0.1, 0.25, 1, 3]) {
      const wait = answerWaitMs(seconds);
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(seconds * 1000 * 0.6);
    }
  });

  it('waits in proportion to the audio the chunk brought, and not at all for none', () => {
    expect(answerWaitMs(1)).toBeCloseTo(4 * answerWaitMs(0.25));
    expect(answerWaitMs(0)).toBe(0);
  });
});
