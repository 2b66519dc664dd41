import type { Locator, Page } from '@playwright/test';
import { expect } from '@playwright/test';

/** How many distinct words of the spoken script must show up in captions for a page to count as captioned. */
export const MIN_WORDS_RECOGNISED = 8;

export function captionHost(page: Page): Locator {
  return page.locator('[data-earshot-captions]');
}

/** Waits until the caption box is on screen with text, and returns its box. */
export async function visibleCaptionBox(page: Page) {
  const host = captionHost(page);
  await expect(host).toHaveText(/\w/, { timeout: 40_000 });
  const box = await host.boundingBox();
  expect(box, 'caption element has a layout box').not.toBeNull();
  return box as NonNullable<typeof box>;
}

export function overlapArea(
  a: { x: number; y: number; width: number; height: number },
  b: { x: number; y: number; width: number; height: number },
): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return Math.max(0, width) * Math.max(0, height);
}
