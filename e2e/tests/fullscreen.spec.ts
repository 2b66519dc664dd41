import { captionHost, expectCaptionBackgroundPainted, visibleCaptionBox } from '../support/expectations';
import { expect, test } from '../support/fixtures';

async function captionsAtTheirCentreAreTopmost(page: import('@playwright/test').Page): Promise<boolean> {
  const box = await visibleCaptionBox(page);
  return page.evaluate(({ x, y }) => !!document.elementFromPoint(x, y)?.closest('[data-earshot-captions]'), {
    x: box.x + box.width / 2,
    y: box.y + box.height / 2,
  });
}

test('captions follow the player into fullscreen and stay visible', async ({ openCaptured }) => {
  const { page } = await openCaptured('player.html');
  await visibleCaptionBox(page);

  await page.click('#fullscreen');
  await page.waitForFunction(() => document.fullscreenElement?.id === 'player');
  await expect
    .poll(() => captionHost(page).evaluate((host) => !!host.closest('#player')), { timeout: 15_000 })
    .toBe(true);
  expect(await captionsAtTheirCentreAreTopmost(page)).toBe(true);
  const box = await visibleCaptionBox(page);
  const viewport = page.viewportSize();
  if (!viewport) throw new Error('page has no viewport');
  // The player now fills the screen, and the captions sit near its bottom.
  expect(box.y).toBeGreaterThan(viewport.height * 0.6);

  await page.evaluate(() => document.exitFullscreen());
  await expect
    .poll(() => captionHost(page).evaluate((host) => host.parentElement === document.documentElement), {
      timeout: 15_000,
    })
    .toBe(true);
});

test('captions stay above a bare <video> in fullscreen', async ({ openCaptured }) => {
  const { page } = await openCaptured('video.html');
  await visibleCaptionBox(page);

  // A user gesture is needed for fullscreen; a click on the video gives one.
  await page.evaluate(() => {
    const video = document.getElementById('media') as HTMLVideoElement;
    video.addEventListener('click', () => video.requestFullscreen(), { once: true });
  });
  await page.click('#media');
  await page.waitForFunction(() => document.fullscreenElement?.id === 'media');
  // Hit testing ignores other top-layer boxes over a fullscreen video, so look at the pixels.
  await expectCaptionBackgroundPainted(page);
  await page.evaluate(() => document.exitFullscreen());
});
