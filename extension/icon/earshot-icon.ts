import { encodePng } from './png';

/** The sizes Chrome shows an extension's icon at: toolbar, toolbar on high-DPI, extensions page, store. */
export const ICON_SIZES = [16, 32, 48, 128] as const;

type Rgb = readonly [number, number, number];

/** One shape of the drawing, in a unit square (0..1 both ways, y down). */
interface RoundedBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
  radius: number;
  colour: Rgb;
}

export const BACKGROUND: Rgb = [29, 53, 87];
export const FINAL_TEXT: Rgb = [255, 255, 255];
export const INTERIM_TEXT: Rgb = [255, 209, 102];

/**
 * The Earshot icon, the one source drawing every size is rendered from: a rounded tile with the
 * level bars of heard sound above two caption lines (the lower one in the interim colour).
 */
export const DRAWING: readonly RoundedBox[] = [
  { left: 0, top: 0, right: 1, bottom: 1, radius: 0.22, colour: BACKGROUND },
  { left: 0.27, top: 0.3, right: 0.37, bottom: 0.48, radius: 0.05, colour: FINAL_TEXT },
  { left: 0.45, top: 0.16, right: 0.55, bottom: 0.48, radius: 0.05, colour: FINAL_TEXT },
  { left: 0.63, top: 0.24, right: 0.73, bottom: 0.48, radius: 0.05, colour: FINAL_TEXT },
  { left: 0.16, top: 0.58, right: 0.84, bottom: 0.7, radius: 0.06, colour: FINAL_TEXT },
  { left: 0.16, top: 0.77, right: 0.64, bottom: 0.89, radius: 0.06, colour: INTERIM_TEXT },
];

function inside(box: RoundedBox, x: number, y: number): boolean {
  const r = box.radius;
  const dx = Math.max(box.left + r - x, 0, x - (box.right - r));
  const dy = Math.max(box.top + r - y, 0, y - (box.bottom - r));
  return dx * dx + dy * dy <= r * r;
}

/** How many samples per pixel side: edges come out smooth at 16 px. */
const SUPERSAMPLE = 4;

/** The drawing rendered at `size`×`size` pixels, as RGBA. */
export function renderIcon(size: number): Uint8Array {
  const rgba = new Uint8Array(size * size * 4);
  const samples = SUPERSAMPLE * SUPERSAMPLE;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let covered = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const x = (px + (sx + 0.5) / SUPERSAMPLE) / size;
          const y = (py + (sy + 0.5) / SUPERSAMPLE) / size;
          const top = DRAWING.findLast((box) => inside(box, x, y));
          if (!top) continue;
          r += top.colour[0];
          g += top.colour[1];
          b += top.colour[2];
          covered += 1;
        }
      }
      const at = (py * size + px) * 4;
      if (covered === 0) continue;
      rgba.set(
        [r, g, b, 255 * covered].map((v, i) => Math.round(i < 3 ? v / covered : v / samples)),
        at,
      );
    }
  }
  return rgba;
}

export function iconPng(size: number): Buffer {
  return encodePng(size, size, renderIcon(size));
}
