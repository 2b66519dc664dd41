import { captionLog, wordsShown } from '../support/caption-log';
import { MIN_WORDS_RECOGNISED, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';
import { spokenWords } from '../support/test-media';

test('a page with only <audio> gets captions at the bottom centre of the viewport', async ({
  openCaptured,
}) => {
  const { page } = await openCaptured('audio.html');

  await expect
    .poll(async () => wordsShown(await captionLog(page), spokenWords()).length, { timeout: 45_000 })
    .toBeGreaterThanOrEqual(MIN_WORDS_RECOGNISED);

  const box = await visibleCaptionBox(page);
  const viewport = page.viewportSize();
  if (!viewport) throw new Error('page has no viewport');
  expect(Math.abs(box.x + box.width / 2 - viewport.width / 2)).toBeLessThan(2);
  expect(box.y).toBeGreaterThan(viewport.height * 0.75);
  expect(box.y + box.height).toBeLessThanOrEqual(viewport.height);
});
