import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { videoKey } from '../../extension/lib/transcript/video-identity';
import { waitForMediaPlaying } from '../support/caption-log';
import { captionHost, visibleCaptionBox } from '../support/expectations';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';
import { spokenCue } from '../support/spoken-cue';

async function openSettings(page: Page): Promise<void> {
  await page.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
  await page.waitForLoadState('load');
}

async function resetCaptionSettings(page: Page): Promise<void> {
  await page.evaluate(() => chrome.storage.local.remove(['captionStyle', 'draggedCaptions']));
}

test('caption settings change the preview and the running captions at once', async ({
  openCaptured,
  extensionBrowser,
}) => {
  const { page } = await openCaptured('video.html');
  const settings = await extensionBrowser.context.newPage();
  try {
    await openSettings(settings);
    const before = await visibleCaptionBox(page);
    const fontBefore = await captionHost(page).evaluate((h) =>
      Number.parseFloat(getComputedStyle(h).fontSize),
    );

    await settings.locator('#caption-size').fill('200');
    await settings.locator('#caption-text-colour').fill('#ffff00');
    await settings.locator('#caption-font').selectOption('serif');
    await settings.locator('#caption-position').selectOption('top');
    await settings.locator('#caption-lines').selectOption('1');
    const previewBox = settings.locator('.preview-captions');
    await expect(previewBox).toHaveCSS('color', 'rgb(255, 255, 0)');
    await expect(previewBox).toHaveCSS('font-family', /Georgia|serif/);
    // Interim words stay apart from final ones in the preview as over the video.
    await expect(previewBox.locator('span[style*="italic"]')).not.toHaveCount(0);

    const host = captionHost(page);
    await expect(host).toHaveCSS('color', 'rgb(255, 255, 0)', { timeout: 15_000 });
    await expect
      .poll(() => host.evaluate((h) => Number.parseFloat(getComputedStyle(h).fontSize)))
      .toBeCloseTo(fontBefore * 2, 0);
    const videoBox = await page.locator('video').boundingBox();
    if (!videoBox) throw new Error('video has no box');
    await expect
      .poll(async () => {
        const box = await visibleCaptionBox(page);
        return box.y < videoBox.y + videoBox.height / 3 && box.y >= videoBox.y;
      })
      .toBe(true);
    expect(before.y).toBeGreaterThan(videoBox.y + videoBox.height / 2);
    await expect.poll(() => host.locator(':scope > span').count(), { timeout: 15_000 }).toBe(1);
  } finally {
    await resetCaptionSettings(settings);
    await settings.close();
  }
});

test('a dragged caption box stays where it was put, on every page of that site', async ({
  openCaptured,
  control,
}) => {
  const { page } = await openCaptured('video.html');
  try {
    const videoBox = await page.locator('video').boundingBox();
    if (!videoBox) throw new Error('video has no box');
    const target = { x: videoBox.x + videoBox.width * 0.3, y: videoBox.y + videoBox.height * 0.35 };
    // Captions come and go between sentences: grab the box while it shows.
    await expect
      .poll(
        async () => {
          const box = await visibleCaptionBox(page);
          await page.mouse.move(box.x + box.width / 2, box.y + box.height - 4);
          await page.mouse.down();
          await page.mouse.move(target.x, target.y, { steps: 4 });
          await page.mouse.up();
          const saved = await control.page.evaluate(() => chrome.storage.local.get('draggedCaptions'));
          return (saved.draggedCaptions as Record<string, { x: number; y: number }> | undefined)?.[
            '127.0.0.1'
          ];
        },
        { timeout: 30_000 },
      )
      .toBeDefined();

    const second = await openCaptured('player.html');
    const playerBox = await second.page.locator('#player').boundingBox();
    if (!playerBox) throw new Error('player has no box');
    const saved = (await control.page.evaluate(() => chrome.storage.local.get('draggedCaptions')))
      .draggedCaptions as Record<string, { x: number; y: number }>;
    const at = saved['127.0.0.1'] as { x: number; y: number };
    // Same place relative to the video: its centre at x, its bottom edge at y.
    await expect
      .poll(async () => {
        const box = await visibleCaptionBox(second.page);
        return [
          Math.abs(box.x + box.width / 2 - (playerBox.x + at.x * playerBox.width)) < 6,
          Math.abs(box.y + box.height - (playerBox.y + at.y * playerBox.height)) < 6,
        ];
      })
      .toEqual([true, true]);
    expect(at.x).toBeCloseTo(0.3, 1);
    expect(at.y).toBeCloseTo(0.35, 1);
  } finally {
    await control.page.evaluate(() => chrome.storage.local.remove('draggedCaptions'));
  }
});

test('clean captions leave fillers and repeated words out of the exported transcript', async ({
  extensionBrowser,
  control,
  site,
}) => {
  const video = await extensionBrowser.context.newPage();
  const popup = await extensionBrowser.context.newPage();
  try {
    await video.goto(`${site.origin}/video.html?clean-export`);
    await waitForMediaPlaying(video);
    await control.cacheCues(videoKey(video.url(), `${site.origin}/media/speech.mp4`), [
      spokenCue('um so I I think uh the cat ran', 1),
    ]);
    const tabId = await control.tabIdOf(video);
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);
    const exported = async () => {
      const download = popup.waitForEvent('download');
      await popup.click('#export-txt');
      return readFileSync(await (await download).path(), 'utf8');
    };
    expect(await exported()).toBe('um so I I think uh the cat ran\n');
    await control.page.evaluate(() => chrome.storage.local.set({ captionStyle: { textMode: 'clean' } }));
    expect(await exported()).toBe('so I think the cat ran\n');
  } finally {
    await control.page.evaluate(() => chrome.storage.local.remove('captionStyle'));
    await video.close();
    await popup.close();
  }
});

test('the caption shortcut is a command users can set at chrome://extensions/shortcuts', async ({
  control,
}) => {
  const commands = await control.page.evaluate(() => chrome.commands.getAll());
  expect(commands).toContainEqual(
    expect.objectContaining({
      name: 'toggle-captions',
      description: 'Turn captions on or off on the current tab',
    }),
  );
});
