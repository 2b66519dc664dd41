import { describe, expect, it } from 'vitest';
import { captionFrame } from '../src';

describe('captionFrame', () => {
  it('is the frame whose playing media started last', () => {
    expect(
      captionFrame({
        '0': { playing: false, startedAtMs: 0 },
        '4': { playing: true, startedAtMs: 1000 },
        '7': { playing: true, startedAtMs: 2000 },
        '9': { playing: false, startedAtMs: 3000 },
      }),
    ).toBe(7);
  });

  it('is the top frame when no frame plays media', () => {
    expect(captionFrame({})).toBe(0);
    expect(captionFrame({ '5': { playing: false, startedAtMs: 10 } })).toBe(0);
  });
});
