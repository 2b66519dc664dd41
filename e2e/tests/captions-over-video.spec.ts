import { join } from 'node:path';
import { type CaptionSample, captionLog, wordsOf, wordsShown } from '../support/caption-log';
import { MIN_WORDS_RECOGNISED, overlapArea, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';
import { ARTIFACTS_DIR } from '../support/paths';
import { readmeScreenshot } from '../support/readme-screenshot';
import { ensureTestMedia, type SpokenSentence, spokenWords } from '../support/test-media';

/**
 * Seconds from each word being heard to it first showing in a caption, for words said only once
 * in the script. A word's end is estimated from its position within its sentence.
 */
function wordLatencies(sentences: SpokenSentence[], samples: CaptionSample[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const w of wordsOf(s.text)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const latencies = new Map<string, number>();
  for (const sentence of sentences) {
    const duration = sentence.endSeconds - sentence.startSeconds;
    let offset = 0;
    for (const word of sentence.text.split(' ')) {
      offset += word.length + 1;
      if (counts.get(word) !== 1) continue;
      const heardAt =
        sentence.startSeconds + (duration * Math.min(offset, sentence.text.length)) / sentence.text.length;
      const shown = samples.find(
        (s) => s.mediaTime >= heardAt - 0.5 && s.mediaTime < heardAt + 15 && wordsOf(s.text).includes(word),
      );
      if (shown) latencies.set(word, shown.mediaTime - heardAt);
    }
  }
  return latencies;
}

test('captions with the spoken words appear over the playing video', async ({ openCaptured }, testInfo) => {
  const { page } = await openCaptured('video.html');
  const media = ensureTestMedia();

  await expect
    .poll(async () => wordsShown(await captionLog(page), spokenWords()).length, { timeout: 45_000 })
    .toBeGreaterThanOrEqual(MIN_WORDS_RECOGNISED);

  const captionBox = await visibleCaptionBox(page);
  const videoBox = await page.locator('video').boundingBox();
  expect(videoBox).not.toBeNull();
  if (!videoBox) return;
  // Inside the picture, near its bottom: the whole caption box overlaps the video.
  expect(overlapArea(captionBox, videoBox)).toBeCloseTo(captionBox.width * captionBox.height, 0);
  expect(captionBox.y + captionBox.height / 2).toBeGreaterThan(videoBox.y + videoBox.height / 2);
  await page.screenshot({ path: join(ARTIFACTS_DIR, 'captions-over-video.png') });
  await readmeScreenshot(page, 'captions-over-video.png', videoBox);

  const latencies = [...wordLatencies(media.sentences, await captionLog(page)).values()].sort(
    (a, b) => a - b,
  );
  expect(latencies.length).toBeGreaterThan(0);
  const median = latencies[Math.floor(latencies.length / 2)] ?? Number.NaN;
  const summary = `caption latency over ${latencies.length} words: median ${median.toFixed(2)} s, max ${latencies.at(-1)?.toFixed(2)} s`;
  console.log(summary);
  testInfo.annotations.push({ type: 'latency', description: summary });
  // Captions a viewer can still follow: words show up within a few seconds of being said.
  expect(median).toBeLessThan(6);
});
