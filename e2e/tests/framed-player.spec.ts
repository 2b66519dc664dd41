import type { Frame, Page } from '@playwright/test';
import { videoKey } from '../../extension/lib/transcript/video-identity';
import { captionLog, wordsShown } from '../support/caption-log';
import { captionHost, MIN_WORDS_RECOGNISED, overlapArea, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';
import { ensureTestMedia, spokenWords } from '../support/test-media';

/** The player page framed by embed.html, once it is there. */
async function playerFrame(page: Page): Promise<Frame> {
  const find = () => page.frames().find((f) => f !== page.mainFrame() && f.url().includes('/player.html'));
  await expect.poll(() => !!find()).toBe(true);
  return find() as Frame;
}

/** A word said once in the test script, with the sentence it is said in. */
const UNIQUE_WORDS = ['cat', 'dog', 'tea', 'school', 'apple', 'sing'];

for (const crossOrigin of [false, true]) {
  const which = crossOrigin ? 'a cross-origin' : 'a same-origin';

  test(`captions appear over a video inside ${which} iframe, also in fullscreen`, async ({
    openCaptured,
    site,
  }) => {
    const frameOrigin = crossOrigin ? site.otherOrigin : site.origin;
    const { page } = await openCaptured(`embed.html?frame=${frameOrigin}/player.html`, playerFrame);
    const frame = await playerFrame(page);

    await expect
      .poll(async () => wordsShown(await captionLog(frame), spokenWords()).length, { timeout: 45_000 })
      .toBeGreaterThanOrEqual(MIN_WORDS_RECOGNISED);
    const box = await visibleCaptionBox(frame);
    const videoBox = await frame.locator('video').boundingBox();
    if (!videoBox) throw new Error('the framed video has no box');
    expect(overlapArea(box, videoBox)).toBeCloseTo(box.width * box.height, 0);
    // Only the frame with the video draws captions: the page around it shows none.
    await expect(captionHost(page)).toHaveCount(0);

    await frame.click('#fullscreen');
    await frame.waitForFunction(() => document.fullscreenElement?.id === 'player');
    await expect
      .poll(() => captionHost(frame).evaluate((host) => !!host.closest('#player')), { timeout: 15_000 })
      .toBe(true);
    const fullscreenBox = await visibleCaptionBox(frame);
    const viewport = page.viewportSize();
    if (!viewport) throw new Error('page has no viewport');
    expect(fullscreenBox.y).toBeGreaterThan(viewport.height * 0.6);
    await frame.evaluate(() => document.exitFullscreen());
  });
}

test('the transcript of a framed video is kept in that video’s own time', async ({
  openCaptured,
  control,
  site,
}) => {
  const { page } = await openCaptured(`embed.html?frame=${site.otherOrigin}/player.html`, playerFrame);
  const frame = await playerFrame(page);
  const key = videoKey(frame.url(), `${site.otherOrigin}/media/speech.mp4`);
  const { sentences } = ensureTestMedia();

  const placed = async () => {
    const words = (await control.cachedCues(key)).flatMap((cue) => cue.words);
    return UNIQUE_WORDS.flatMap((unique) => {
      const sentence = sentences.find((s) => s.text.split(' ').includes(unique));
      const heard = words.filter((w) => w.word.trim().toLowerCase() === unique);
      return sentence ? heard.map((w) => ({ word: unique, at: w.start_seconds, sentence })) : [];
    });
  };
  await expect.poll(async () => (await placed()).length, { timeout: 45_000 }).toBeGreaterThanOrEqual(3);
  // The frame's own media clock placed them: each where its sentence is said in the video.
  for (const { word, at, sentence } of await placed()) {
    expect(at, word).toBeGreaterThan(sentence.startSeconds - 0.7);
    expect(at, word).toBeLessThan(sentence.endSeconds + 0.7);
  }
});
