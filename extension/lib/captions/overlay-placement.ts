export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Viewport {
  width: number;
  height: number;
}

/** Where the caption box goes: horizontally centred on `centerX`, its bottom edge at `bottom`. */
export interface CaptionPlacement {
  centerX: number;
  bottom: number;
  maxWidth: number;
  fontSizePx: number;
  /** Roughly how many characters fit on one line at this font size and width. */
  charsPerLine: number;
}

const MIN_FONT_PX = 14;
const MAX_FONT_PX = 38;
/** Average glyph advance of a sans-serif font relative to its size. */
const GLYPH_WIDTH_EM = 0.55;

export function intersect(a: Rect, b: Rect): Rect | null {
  const left = Math.max(a.left, b.left);
  const top = Math.max(a.top, b.top);
  const right = Math.min(a.left + a.width, b.left + b.width);
  const bottom = Math.min(a.top + a.height, b.top + b.height);
  if (right <= left || bottom <= top) return null;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * Caption box placement: near the bottom of the visible part of the video, or at the bottom
 * centre of the viewport when there is no video on screen (audio-only pages, scrolled away).
 */
export function placeCaptions(video: Rect | null, viewport: Viewport): CaptionPlacement {
  const visible =
    video && intersect(video, { left: 0, top: 0, width: viewport.width, height: viewport.height });
  if (visible && visible.height >= 60 && visible.width >= 120) {
    const fontSizePx = clamp(visible.height * 0.055, MIN_FONT_PX, MAX_FONT_PX);
    const maxWidth = visible.width * 0.9;
    return {
      centerX: visible.left + visible.width / 2,
      bottom: visible.top + visible.height - Math.max(8, visible.height * 0.07),
      maxWidth,
      fontSizePx,
      charsPerLine: charsPerLine(maxWidth, fontSizePx),
    };
  }
  const fontSizePx = clamp(viewport.height * 0.03, MIN_FONT_PX, 26);
  const maxWidth = Math.min(viewport.width * 0.9, 900);
  return {
    centerX: viewport.width / 2,
    bottom: viewport.height - Math.max(16, viewport.height * 0.06),
    maxWidth,
    fontSizePx,
    charsPerLine: charsPerLine(maxWidth, fontSizePx),
  };
}

function charsPerLine(widthPx: number, fontSizePx: number): number {
  // The box has 0.5em padding on each side.
  return Math.max(8, Math.floor((widthPx - fontSizePx) / (fontSizePx * GLYPH_WIDTH_EM)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
