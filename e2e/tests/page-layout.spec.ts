import { join } from 'node:path';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';
import { backgroundLuminance, layoutBreaks } from '../support/layout-rules';
import { ARTIFACTS_DIR } from '../support/paths';

for (const scheme of ['light', 'dark'] as const) {
  for (const [pageName, path, viewport] of [
    ['settings page', 'options.html', { width: 1000, height: 1300 }],
    ['popup', 'popup.html', { width: 348, height: 600 }],
  ] as const) {
    test(`the ${pageName} is laid out by its rules in ${scheme} mode`, async ({
      extensionBrowser,
      control,
    }) => {
      const page = await extensionBrowser.context.newPage();
      try {
        await page.setViewportSize(viewport);
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(`chrome-extension://${EXTENSION_ID}/${path}`);
        await page.waitForLoadState('load');
        await page.screenshot({
          path: join(ARTIFACTS_DIR, `${path.replace('.html', '')}-${scheme}.png`),
          fullPage: true,
        });
        expect(await layoutBreaks(page)).toEqual([]);
        const luminance = await backgroundLuminance(page);
        if (scheme === 'dark') expect(luminance).toBeLessThan(0.05);
        else expect(luminance).toBeGreaterThan(0.85);
        // The extension's icon is drawn at the size the page shows it.
        const icon = page.locator('header img');
        await expect
          .poll(() => icon.evaluate((img: HTMLImageElement) => img.naturalWidth))
          .toBeGreaterThan(0);
      } finally {
        await page.close();
        await control.page.bringToFront();
      }
    });
  }
}

test('the extension has its icon at every size Chrome uses', async ({ extensionBrowser }) => {
  const page = await extensionBrowser.context.newPage();
  try {
    await page.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
    const manifest = await page.evaluate(() => chrome.runtime.getManifest());
    const sizes = ['16', '32', '48', '128'];
    expect(Object.keys(manifest.icons ?? {}).sort()).toEqual([...sizes].sort());
    expect(Object.keys(manifest.action?.default_icon ?? {}).sort()).toEqual([...sizes].sort());
    for (const size of sizes) {
      const drawn = await page.evaluate(async (file) => {
        const image = new Image();
        image.src = `/${file}`;
        await image.decode();
        return [image.naturalWidth, image.naturalHeight];
      }, manifest.icons?.[size] as string);
      expect(drawn).toEqual([Number(size), Number(size)]);
    }
  } finally {
    await page.close();
  }
});
