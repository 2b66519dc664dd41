import { captionLog, wordsOf, wordsShown } from '../support/caption-log';
import { expect, test } from '../support/fixtures';
import { spokenWords } from '../support/test-media';

test('captions recover on their own after the backend is killed and started again', async ({
  openCaptured,
  control,
  backend,
}) => {
  test.setTimeout(180_000);
  const { page, tabId } = await openCaptured('video.html');
  await expect
    .poll(async () => wordsShown(await captionLog(page), spokenWords()).length, { timeout: 45_000 })
    .toBeGreaterThanOrEqual(3);

  await backend.kill();
  const offline = await control.waitForStatus(tabId, 'backend_offline', 15_000);
  expect(offline.reason).toMatch(/backend/i);

  await backend.start();
  const restartedAt = Date.now();
  await control.waitForStatus(tabId, 'live', 60_000);

  await expect
    .poll(
      async () => {
        const fresh = (await captionLog(page)).filter((s) => s.atMs > restartedAt);
        return wordsShown(fresh, spokenWords()).length;
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThanOrEqual(3);
  const fresh = (await captionLog(page)).filter((s) => s.atMs > restartedAt);
  expect(fresh.some((s) => wordsOf(s.text).length > 0)).toBe(true);
});
