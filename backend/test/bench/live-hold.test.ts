import { describe, expect, it } from 'vitest';
import { HOLD_LAG_SECONDS, holds, type LiveLoad, mostTabsThatHold } from '../../bench/live-hold';

/** A machine on which up to `capacity` tabs keep up and more fall behind. */
function machine(capacity: number) {
  return async (tabs: number): Promise<LiveLoad> => ({
    skippedSeconds: 0,
    failedRequests: 0,
    lagMaxSeconds: tabs <= capacity ? 0.5 : HOLD_LAG_SECONDS + 1,
  });
}

describe('live tabs that hold', () => {
  it('hold only with nothing refused, nothing skipped and the lag within bound', () => {
    const fine = { skippedSeconds: 0, failedRequests: 0, lagMaxSeconds: HOLD_LAG_SECONDS };
    expect(holds(fine)).toBe(true);
    expect(holds({ ...fine, skippedSeconds: 0.2 })).toBe(false);
    expect(holds({ ...fine, failedRequests: 1 })).toBe(false);
    expect(holds({ ...fine, lagMaxSeconds: HOLD_LAG_SECONDS + 0.01 })).toBe(false);
    expect(holds({ ...fine, lagMaxSeconds: Number.NaN })).toBe(false);
  });

  it('are found by doubling, then halving the gap', async () => {
    const search = await mostTabsThatHold(4, 10, machine(11));
    expect(search.runs.map((r) => r.tabs)).toEqual([4, 8, 16, 12, 10, 11]);
    expect(search).toMatchObject({ held: 11, failedAt: 12 });
  });

  it('go below the start when it does not hold', async () => {
    const search = await mostTabsThatHold(4, 10, machine(2));
    expect(search.runs.map((r) => r.tabs)).toEqual([4, 2, 3]);
    expect(search).toMatchObject({ held: 2, failedAt: 3 });
    expect(await mostTabsThatHold(1, 10, machine(0))).toMatchObject({ held: 0, failedAt: 1 });
  });

  it('leave the gap open when the tries run out', async () => {
    expect(await mostTabsThatHold(4, 3, machine(11))).toMatchObject({ held: 8, failedAt: 16 });
    expect(await mostTabsThatHold(4, 2, machine(100))).toMatchObject({ held: 8, failedAt: null });
  });
});
