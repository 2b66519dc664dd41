import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { videoKey } from '../../extension/lib/transcript/video-identity';
import { waitForMediaPlaying } from '../support/caption-log';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';
import { ARTIFACTS_DIR } from '../support/paths';
import { readmeScreenshot } from '../support/readme-screenshot';
import { spokenCue } from '../support/spoken-cue';
import { ensureTestMedia } from '../support/test-media';

async function openSidePanel(page: Page, tabId: number): Promise<void> {
  await page.setViewportSize({ width: 400, height: 640 });
  await page.goto(`chrome-extension://${EXTENSION_ID}/sidepanel.html?tabId=${tabId}`);
}

test('the side panel shows the running transcript with media times; a click seeks, search finds, export saves', async ({
  openCaptured,
  extensionBrowser,
}) => {
  const { page, tabId } = await openCaptured('video.html');
  const panel = await extensionBrowser.context.newPage();
  const { sentences } = ensureTestMedia();
  try {
    await openSidePanel(panel, tabId);
    const lines = panel.locator('#lines .line');
    await expect.poll(() => lines.count(), { timeout: 45_000 }).toBeGreaterThanOrEqual(3);
    // Each line is timed where its words are said in the video: a line with a word said once in
    // the script starts within that word's sentence.
    const unique = ['cat', 'dog', 'tea', 'school', 'apple', 'sing'];
    await expect
      .poll(async () => (await lines.allTextContents()).some((t) => unique.some((w) => t.includes(w))), {
        timeout: 30_000,
      })
      .toBe(true);
    const texts = await lines.allTextContents();
    const index = texts.findIndex((t) => unique.some((w) => t.includes(w)));
    const line = lines.nth(index);
    const word = unique.find((w) => texts[index]?.includes(w)) as string;
    const sentence = sentences.find((s) => s.text.split(' ').includes(word));
    if (!sentence) throw new Error(`no sentence says ${word}`);
    const start = Number(await line.getAttribute('data-start'));
    expect(start).toBeGreaterThan(sentence.startSeconds - 1);
    expect(start).toBeLessThan(sentence.endSeconds);
    await expect(line.locator('time')).toHaveText(`0:${String(Math.floor(start)).padStart(2, '0')}`);

    await line.click();
    await expect
      .poll(() => page.evaluate(() => (document.getElementById('media') as HTMLMediaElement).currentTime))
      .toBeGreaterThanOrEqual(start - 0.01);
    expect(
      await page.evaluate(() => (document.getElementById('media') as HTMLMediaElement).currentTime),
    ).toBeLessThan(start + 1);

    await panel.locator('#search').fill(word.toUpperCase());
    await expect.poll(() => lines.count()).toBeGreaterThanOrEqual(1);
    for (const text of await lines.allTextContents()) expect(text.toLowerCase()).toContain(word);
    await expect(lines.first().locator('mark').first()).toHaveText(new RegExp(word, 'i'));
    await panel.locator('#search').fill('');
    await expect.poll(() => lines.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    await panel.screenshot({ path: join(ARTIFACTS_DIR, 'side-panel.png') });
    await readmeScreenshot(panel, 'side-panel.png');

    const download = panel.waitForEvent('download');
    await panel.click('#export-srt');
    const srt = readFileSync(await (await download).path(), 'utf8');
    expect(srt).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}\n/);
  } finally {
    await panel.close();
  }
});

test('the side panel shows the cached transcript of a video watched before, blocked words masked', async ({
  extensionBrowser,
  control,
  site,
}) => {
  const video = await extensionBrowser.context.newPage();
  const panel = await extensionBrowser.context.newPage();
  try {
    await video.goto(`${site.origin}/video.html?watched-before`);
    await waitForMediaPlaying(video);
    await control.cacheCues(videoKey(video.url(), `${site.origin}/media/speech.mp4`), [
      spokenCue('what the hell was that', 2),
      spokenCue('the cat ran to the park', 65),
    ]);
    await openSidePanel(panel, await control.tabIdOf(video));
    await expect(panel.locator('#lines .line')).toHaveText([
      '0:02what the h*** was that',
      '1:05the cat ran to the park',
    ]);
  } finally {
    await video.close();
    await panel.close();
  }
});
