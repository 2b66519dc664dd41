import type { Locator, Page } from '@playwright/test';
import { videoKey } from '../../extension/lib/transcript/video-identity';
import { captionLog, wordsOf, wordsShown } from '../support/caption-log';
import {
  MIN_WORDS_RECOGNISED,
  overlapArea,
  shownCaptionBox,
  visibleCaptionBox,
} from '../support/expectations';
import { expect, test } from '../support/fixtures';
import { SECOND_VIDEO_SENTENCES, SPOKEN_SENTENCES, spokenWords } from '../support/test-media';

const FIRST_ONLY = spokenWords(SPOKEN_SENTENCES).filter(
  (w) => !spokenWords(SECOND_VIDEO_SENTENCES).includes(w),
);
const SECOND_ONLY = spokenWords(SECOND_VIDEO_SENTENCES).filter(
  (w) => !spokenWords(SPOKEN_SENTENCES).includes(w),
);

/** Distinct words of `words` that showed in captions after wall-clock `sinceMs`. */
async function shownSince(page: Page, sinceMs: number, words: string[]): Promise<number> {
  return wordsShown(
    (await captionLog(page)).filter((s) => s.atMs > sinceMs),
    words,
  ).length;
}

/** Whether the caption box now showing lies wholly over `video`. */
async function captionsOver(page: Page, video: Locator): Promise<boolean> {
  const box = await shownCaptionBox(page);
  const videoBox = await video.boundingBox();
  return !!box && !!videoBox && overlapArea(box, videoBox) >= box.width * box.height - 1;
}

test('captions appear over a player inside shadow roots nested two levels deep', async ({ openCaptured }) => {
  const { page } = await openCaptured('shadow-player.html');
  await expect
    .poll(async () => wordsShown(await captionLog(page), spokenWords()).length, { timeout: 45_000 })
    .toBeGreaterThanOrEqual(MIN_WORDS_RECOGNISED);
  // Playwright's CSS locators reach into open shadow roots.
  await expect.poll(() => captionsOver(page, page.locator('video')), { timeout: 15_000 }).toBe(true);
});

test('the playing, audible video is captioned, never a muted loop, and captions follow the next one started', async ({
  openCaptured,
}) => {
  const { page } = await openCaptured('several-media.html');
  const hero = page.locator('#hero');
  await expect.poll(() => captionsOver(page, page.locator('#media')), { timeout: 45_000 }).toBe(true);
  expect(await hero.evaluate((v: HTMLVideoElement) => !v.paused && v.muted)).toBe(true);

  // The user starts the second video; the page pauses the first, as players do.
  const switchedAt = await page.evaluate(async () => {
    (document.getElementById('media') as HTMLVideoElement).pause();
    await (document.getElementById('second') as HTMLVideoElement).play();
    return Date.now();
  });
  await expect.poll(() => captionsOver(page, page.locator('#second')), { timeout: 45_000 }).toBe(true);
  await expect
    .poll(() => shownSince(page, switchedAt, SECOND_ONLY), { timeout: 45_000 })
    .toBeGreaterThanOrEqual(3);
});

test('in-page navigation to another video switches captions and its transcript without a reload', async ({
  openCaptured,
  control,
  site,
}) => {
  const { page, tabId } = await openCaptured('history-player.html');
  const firstKey = videoKey(page.url(), `${site.origin}/media/speech.mp4`);
  const secondKey = videoKey(page.url(), `${site.origin}/media/speech-2.mp4`);
  await expect
    .poll(async () => wordsShown(await captionLog(page), FIRST_ONLY).length, { timeout: 45_000 })
    .toBeGreaterThanOrEqual(4);
  await expect
    .poll(async () => (await control.cachedCues(firstKey)).length, { timeout: 20_000 })
    .toBeGreaterThan(0);

  const switchedAt = await page.evaluate(() => {
    (document.getElementById('next') as HTMLAnchorElement).click();
    return Date.now();
  });
  await expect(page).toHaveURL(/video=2/);
  await expect
    .poll(() => shownSince(page, switchedAt, SECOND_ONLY), { timeout: 45_000 })
    .toBeGreaterThanOrEqual(4);
  expect((await control.state(tabId))?.status).toBe('live');

  // Nothing said in the first video showed over the second one.
  const shownAfter = (await captionLog(page))
    .filter((s) => s.atMs > switchedAt)
    .flatMap((s) => wordsOf(s.text));
  expect(shownAfter.filter((w) => FIRST_ONLY.includes(w))).toEqual([]);
  // Each video's transcript holds only its own words.
  await expect
    .poll(async () => (await control.cachedCues(secondKey)).length, { timeout: 20_000 })
    .toBeGreaterThan(0);
  const wordsIn = async (key: string) => (await control.cachedCues(key)).flatMap((cue) => wordsOf(cue.text));
  expect((await wordsIn(secondKey)).filter((w) => FIRST_ONLY.includes(w))).toEqual([]);
  expect((await wordsIn(firstKey)).filter((w) => SECOND_ONLY.includes(w))).toEqual([]);
});

test('captions carry on over a video element the page re-created mid-play', async ({ openCaptured }) => {
  const { page } = await openCaptured('recreated-video.html');
  await visibleCaptionBox(page);
  const recreatedAt = await page.evaluate(() => {
    (window as unknown as { recreateVideo(): void }).recreateVideo();
    return Date.now();
  });
  await expect
    .poll(() => shownSince(page, recreatedAt + 500, spokenWords()), { timeout: 45_000 })
    .toBeGreaterThanOrEqual(4);
  await expect.poll(() => captionsOver(page, page.locator('#media')), { timeout: 15_000 }).toBe(true);
});
