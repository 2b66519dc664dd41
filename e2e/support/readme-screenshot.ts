import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { README_IMAGES_DIR } from './paths';

/**
 * Saves a README screenshot when asked to (EARSHOT_README_SCREENSHOTS=1), so ordinary runs leave
 * the committed images alone.
 */
export async function readmeScreenshot(
  page: Page,
  name: string,
  clip?: { x: number; y: number; width: number; height: number },
): Promise<void> {
  if (process.env.EARSHOT_README_SCREENSHOTS !== '1') return;
  mkdirSync(README_IMAGES_DIR, { recursive: true });
  await page.screenshot({ path: join(README_IMAGES_DIR, name), ...(clip ? { clip } : {}) });
}
