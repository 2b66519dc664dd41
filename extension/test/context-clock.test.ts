import { afterEach, describe, expect, it } from 'vitest';
import { ContextClock } from '../lib/offscreen/context-clock';

describe('ContextClock', () => {
  let clock: ContextClock | undefined;
  afterEach(() => clock?.stop());

  it('places a moment at the wall-clock time it was current, across a stall of the context', () => {
    const context = { currentTime: 10 };
    let wallMs = 1_000;
    clock = new ContextClock(context, () => wallMs);
    // Renders 1 s in 1 s, stalls for 0.3 s at 11 s, then renders on.
    wallMs = 2_000;
    context.currentTime = 11;
    clock.mark();
    wallMs = 2_300;
    clock.mark();
    wallMs = 3_300;
    context.currentTime = 12;
    // Derived from the context's time now, 10.5 s would come out at 1_800, 0.3 s late.
    expect(clock.wallClockAt(10.5)).toBe(1_500);
    expect(clock.wallClockAt(11.5)).toBe(2_800);
    expect(clock.wallClockAt(12.5)).toBe(3_800);
    expect(clock.wallClockAt(9)).toBe(0);
  });
});
