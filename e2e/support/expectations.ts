import { inflateSync } from 'node:zlib';
import type { Frame, Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';

/** How many distinct words of the spoken script must show up in captions for a page to count as captioned. */
export const MIN_WORDS_RECOGNISED = 8;

export function captionHost(page: Page | Frame): Locator {
  return page.locator('[data-earshot-captions]');
}

/** The caption box's layout box while it shows text, or null while it is empty or hidden. */
export async function shownCaptionBox(page: Page | Frame) {
  const host = captionHost(page);
  if (!/\w/.test((await host.textContent({ timeout: 1_000 }).catch(() => null)) ?? '')) return null;
  return host.boundingBox({ timeout: 1_000 }).catch(() => null);
}

/**
 * Waits until the caption box is on screen with text, and returns its box. Text and box are read
 * together on each try: captions hide for a moment when their media pauses or changes.
 */
export async function visibleCaptionBox(page: Page | Frame) {
  type Box = NonNullable<Awaited<ReturnType<typeof shownCaptionBox>>>;
  let found: Box | null = null;
  await expect
    .poll(
      async () => {
        found = await shownCaptionBox(page);
        return found !== null;
      },
      { message: 'caption box is on screen with text', timeout: 40_000 },
    )
    .toBe(true);
  return found as unknown as Box;
}

export function overlapArea(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return Math.max(0, width) * Math.max(0, height);
}

/** The colour actually painted at one point of the page, read back from a 1×1 screenshot. */
export async function paintedColour(page: Page, x: number, y: number): Promise<[number, number, number]> {
  const png = await page.screenshot({ clip: { x: Math.floor(x), y: Math.floor(y), width: 1, height: 1 } });
  // A one-pixel PNG has a single scanline: one filter byte, whose predictors are all zero here,
  // followed by the raw RGB(A) bytes.
  const chunks: Buffer[] = [];
  for (let offset = 8; offset < png.length; ) {
    const length = png.readUInt32BE(offset);
    if (png.toString('ascii', offset + 4, offset + 8) === 'IDAT')
      chunks.push(png.subarray(offset + 8, offset + 8 + length));
    offset += length + 12;
  }
  const [, r = 0, g = 0, b = 0] = inflateSync(Buffer.concat(chunks));
  return [r, g, b];
}

/** The caption box's background (a near-black) is what is painted just inside its left edge. */
async function captionBackgroundIsPainted(page: Page, box: { x: number; y: number; height: number }) {
  const [r, g, b] = await paintedColour(page, box.x + 3, box.y + box.height / 2);
  return Math.max(r, g, b) < 40;
}

/**
 * Waits until the caption box's background is what the screen shows. The box is measured afresh
 * on each try: a new cue resizes and moves it between the measurement and the screenshot.
 */
export async function expectCaptionBackgroundPainted(page: Page) {
  await expect
    .poll(async () => captionBackgroundIsPainted(page, await visibleCaptionBox(page)), { timeout: 15_000 })
    .toBe(true);
}
