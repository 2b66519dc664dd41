import { describe, expect, it } from 'vitest';
import { intersect, placeCaptions } from '../lib/captions/overlay-placement';

const viewport = { width: 1280, height: 720 };

describe('placeCaptions', () => {
  it('centres captions near the bottom inside the video', () => {
    const video = { left: 100, top: 50, width: 640, height: 360 };
    const p = placeCaptions(video, viewport);
    expect(p.centerX).toBe(420);
    expect(p.bottom).toBeLessThan(410);
    expect(p.bottom).toBeGreaterThan(410 - 60);
    expect(p.maxWidth).toBeLessThanOrEqual(640);
    expect(p.fontSizePx).toBeGreaterThanOrEqual(14);
  });

  it('scales the font with the video and fits more characters on a wider video', () => {
    const small = placeCaptions({ left: 0, top: 0, width: 400, height: 225 }, viewport);
    const large = placeCaptions({ left: 0, top: 0, width: 1280, height: 720 }, viewport);
    expect(large.fontSizePx).toBeGreaterThan(small.fontSizePx);
    expect(large.charsPerLine).toBeGreaterThan(small.charsPerLine);
  });

  it('uses only the on-screen part of a video scrolled half out of view', () => {
    const p = placeCaptions({ left: 0, top: 500, width: 640, height: 360 }, viewport);
    expect(p.bottom).toBeLessThanOrEqual(720);
    expect(p.bottom).toBeGreaterThan(500);
  });

  it('falls back to the bottom centre of the viewport without a visible video', () => {
    for (const video of [null, { left: 0, top: 900, width: 640, height: 360 }]) {
      const p = placeCaptions(video, viewport);
      expect(p.centerX).toBe(640);
      expect(p.bottom).toBeGreaterThan(620);
      expect(p.bottom).toBeLessThan(720);
    }
  });
});

describe('intersect', () => {
  it('returns null for rectangles that do not overlap', () => {
    expect(
      intersect({ left: 0, top: 0, width: 10, height: 10 }, { left: 10, top: 0, width: 5, height: 5 }),
    ).toBeNull();
  });
});
