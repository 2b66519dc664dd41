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

/** Where the user wants captions: at the bottom or top, or where they dragged the box (per site). */
export interface CaptionLayout {
  position: 'bottom' | 'top';
  /** The box's centre and bottom edge as fractions of the area it sits in (video or viewport). */
  dragged?: { x: number; y: number } | undefined;
  /** Text size relative to the size that suits the area. */
  textScale: number;
}

export const DEFAULT_LAYOUT: CaptionLayout = { position: 'bottom', textScale: 1 };

/**
 * Where the caption box goes: horizontally centred on `centerX`, with its bottom edge (anchor
 * bottom) or top edge (anchor top) at `y`. `area` is what it is placed in, for dragging.
 */
export interface CaptionPlacement {
  centerX: number;
  y: number;
  anchor: 'bottom' | 'top';
  area: Rect;
  maxWidth: number;
  fontSizePx: number;
  /** Roughly how many characters fit on one line at this font size and width. */
  charsPerLine: number;
}

const MIN_FONT_PX = 14;
const MAX_FONT_PX = 38;
/** Bounds of the font size the user's text size can reach. */
const SMALLEST_FONT_PX = 10;
const LARGEST_FONT_PX = 80;
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
 * Caption box placement: near the bottom (or top) of the visible part of the video, or of the
 * viewport when there is no video on screen (audio-only pages, scrolled away); where the user
 * dragged it when they did.
 */
export function placeCaptions(
  video: Rect | null,
  viewport: Viewport,
  layout: CaptionLayout = DEFAULT_LAYOUT,
): CaptionPlacement {
  const visible =
    video && intersect(video, { left: 0, top: 0, width: viewport.width, height: viewport.height });
  const overVideo = !!visible && visible.height >= 60 && visible.width >= 120;
  const area = overVideo && visible ? visible : { left: 0, top: 0, ...viewport };
  const baseFont = overVideo
    ? clamp(area.height * 0.055, MIN_FONT_PX, MAX_FONT_PX)
    : clamp(viewport.height * 0.03, MIN_FONT_PX, 26);
  const fontSizePx = clamp(baseFont * layout.textScale, SMALLEST_FONT_PX, LARGEST_FONT_PX);
  const maxWidth = overVideo ? area.width * 0.9 : Math.min(viewport.width * 0.9, 900);
  const margin = overVideo ? Math.max(8, area.height * 0.07) : Math.max(16, viewport.height * 0.06);
  const common = { area, maxWidth, fontSizePx, charsPerLine: charsPerLine(maxWidth, fontSizePx) };
  if (layout.dragged) {
    return {
      ...common,
      centerX: area.left + clamp(layout.dragged.x, 0, 1) * area.width,
      y: area.top + clamp(layout.dragged.y, 0, 1) * area.height,
      anchor: 'bottom',
    };
  }
  const centerX = area.left + area.width / 2;
  return layout.position === 'top'
    ? { ...common, centerX, y: area.top + margin, anchor: 'top' }
    : { ...common, centerX, y: area.top + area.height - margin, anchor: 'bottom' };
}

function charsPerLine(widthPx: number, fontSizePx: number): number {
  // The box has 0.5em padding on each side.
  return Math.max(8, Math.floor((widthPx - fontSizePx) / (fontSizePx * GLYPH_WIDTH_EM)));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
