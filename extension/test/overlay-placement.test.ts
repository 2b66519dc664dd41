import { describe, expect, it } from 'vitest';
import { intersect, placeCaptions } from '../lib/captions/overlay-placement';

const viewport = { width: 1280, height: 720 };

describe('placeCaptions', () => {
  it('centres captions near the bottom inside the video', () => {
    const video = { left: 100, top: 50, width: 640, height: 360 };
    const p = placeCaptions(video, viewport);
    expect(p.centerX).toBe(420);
    expect(p.y).toBeLessThan(410);
    expect(p.y).toBeGreaterThan(410 - 60);
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
    expect(p.y).toBeLessThanOrEqual(720);
    expect(p.y).toBeGreaterThan(500);
  });

  it('falls back to the bottom centre of the viewport without a visible video', () => {
    for (const video of [null, { left: 0, top: 900, width: 640, height: 360 }]) {
      const p = placeCaptions(video, viewport);
      expect(p.centerX).toBe(640);
      expect(p.y).toBeGreaterThan(620);
      expect(p.y).toBeLessThan(720);
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

describe("placeCaptions with the user's layout", () => {
  const video = { left: 100, top: 50, width: 640, height: 360 };

  it('puts captions at the top of the video when asked', () => {
    const p = placeCaptions(video, viewport, { position: 'top', textScale: 1 });
    expect(p.anchor).toBe('top');
    expect(p.y).toBeGreaterThan(50);
    expect(p.y).toBeLessThan(50 + 60);
  });

  it('keeps a dragged box at the same place relative to the video, at any video size', () => {
    const dragged = { x: 0.25, y: 0.5 };
    const p = placeCaptions(video, viewport, { position: 'bottom', dragged, textScale: 1 });
    expect([p.centerX, p.y, p.anchor]).toEqual([260, 230, 'bottom']);
    const big = placeCaptions({ left: 0, top: 0, width: 1280, height: 720 }, viewport, {
      position: 'bottom',
      dragged,
      textScale: 1,
    });
    expect([big.centerX, big.y]).toEqual([320, 360]);
  });

  it("scales the text by the user's text size, within bounds", () => {
    const normal = placeCaptions(video, viewport).fontSizePx;
    expect(placeCaptions(video, viewport, { position: 'bottom', textScale: 1.5 }).fontSizePx).toBeCloseTo(
      normal * 1.5,
    );
    expect(placeCaptions(video, viewport, { position: 'bottom', textScale: 20 }).fontSizePx).toBe(80);
  });
});
