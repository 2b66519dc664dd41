import { captionLog } from '../support/caption-log';
import { captionHost, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';

test('stopping captions leaves the tab playing and audible, and the captions stop', async ({
  openCaptured,
  control,
}) => {
  const { page, tabId } = await openCaptured('video.html');
  await visibleCaptionBox(page);
  await expect.poll(() => control.tabAudible(tabId)).toBe(true);

  const reply = await control.command('stop', tabId);
  expect(reply).toMatchObject({ ok: true, state: { status: 'off' } });

  // Captions clear shortly after the last one was heard, and nothing new arrives afterwards.
  await expect(captionHost(page)).toHaveText('', { timeout: 15_000 });
  const samplesWhenCleared = (await captionLog(page)).length;
  const positionBefore = await page.evaluate(
    () => (document.getElementById('media') as HTMLMediaElement).currentTime,
  );
  await page.waitForTimeout(6000);
  expect((await captionLog(page)).length).toBe(samplesWhenCleared);
  expect((await control.state(tabId))?.status).toBe('off');

  // The page's own video went on playing with sound the whole time.
  const media = await page.evaluate(() => {
    const m = document.getElementById('media') as HTMLMediaElement;
    return { paused: m.paused, muted: m.muted, currentTime: m.currentTime };
  });
  expect(media.paused).toBe(false);
  expect(media.muted).toBe(false);
  expect(media.currentTime).not.toBeCloseTo(positionBefore, 0);
  expect(await control.tabAudible(tabId)).toBe(true);
});

test('captions stop when the tab leaves its page, but not for an in-page #fragment', async ({
  openCaptured,
  control,
  site,
  backend,
}) => {
  const { page, tabId } = await openCaptured('video.html');
  await page.evaluate(() => {
    location.hash = '#chapter-2';
  });
  await page.waitForTimeout(2000);
  expect((await control.state(tabId))?.status).toBe('live');

  await page.goto(`${site.origin}/audio.html`);
  await control.waitForStatus(tabId, 'off', 10_000);
  await expect.poll(async () => (await backend.health()).sessions).toBe(0);
});

test('closing a captured tab ends its capture', async ({ openCaptured, control, backend }) => {
  const { page, tabId } = await openCaptured('audio.html');
  await page.close();
  await expect.poll(() => control.state(tabId)).toBeUndefined();
  await expect.poll(async () => (await backend.health()).sessions).toBe(0);
});
