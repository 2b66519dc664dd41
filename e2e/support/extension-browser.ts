import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from '@playwright/test';
import { TEST_EXTENSION_ID } from '../../extension/test-extension-key';
import { ARTIFACTS_DIR, EXTENSION_BUILD_DIR } from './paths';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
export const EXTENSION_ID = TEST_EXTENSION_ID;

export interface ExtensionBrowser {
  context: BrowserContext;
  serviceWorker: Worker;
  close(): Promise<void>;
}

/**
 * Real Chromium with the test build of the extension loaded. Playwright's default --mute-audio
 * is dropped: with it, captured tab audio is all zeros. The pinned extension id is allowlisted so
 * the background may capture tabs without a toolbar click.
 */
export async function launchExtensionBrowser(): Promise<ExtensionBrowser> {
  const userDataDir = mkdtempSync(join(ARTIFACTS_DIR, 'profile-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    headless: false,
    executablePath: CHROMIUM_PATH,
    viewport: { width: 1280, height: 720 },
    ignoreDefaultArgs: ['--disable-extensions', '--mute-audio'],
    args: [
      '--headless=new',
      `--load-extension=${EXTENSION_BUILD_DIR}`,
      `--disable-extensions-except=${EXTENSION_BUILD_DIR}`,
      `--allowlisted-extension-id=${EXTENSION_ID}`,
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const serviceWorker =
    context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`)) ??
    (await context.waitForEvent('serviceworker', {
      predicate: (w) => w.url().startsWith(`chrome-extension://${EXTENSION_ID}/`),
    }));
  return {
    context,
    serviceWorker,
    close: async () => {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** An extension page (the popup, opened as a tab) from which tests talk to the background. */
export async function openExtensionPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
  return page;
}
