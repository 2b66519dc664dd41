import { captionLog, wordsShown } from '../support/caption-log';
import { expect, test } from '../support/fixtures';
import { spokenWords } from '../support/test-media';

test('captions and the stop toggle keep working after the service worker restarts', async ({
  openCaptured,
  control,
  extensionBrowser,
  backend,
}) => {
  const { page, tabId } = await openCaptured('video.html');
  const { serviceWorker, context } = extensionBrowser;
  await serviceWorker.evaluate(() => {
    (globalThis as { earshotTestMarker?: string }).earshotTestMarker = 'before restart';
  });

  // Chrome stops idle extension workers at will; force it. The offscreen document's next
  // message wakes a fresh worker, which must find the capture in session storage.
  const cdp = await context.newCDPSession(control.page);
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await expect
    .poll(() =>
      serviceWorker.evaluate(
        () => (globalThis as { earshotTestMarker?: string }).earshotTestMarker ?? 'fresh',
      ),
    )
    .toBe('fresh');
  const restartedAt = Date.now();

  expect((await control.state(tabId))?.status).toBe('live');
  await expect
    .poll(
      async () => {
        const fresh = (await captionLog(page)).filter((s) => s.atMs > restartedAt);
        return wordsShown(fresh, spokenWords()).length;
      },
      { timeout: 45_000 },
    )
    .toBeGreaterThanOrEqual(3);

  expect(await control.command('stop', tabId)).toMatchObject({ ok: true, state: { status: 'off' } });
  // The stop flushed the recording's final chunk, which closes its session on the backend.
  await expect.poll(async () => (await backend.health()).sessions).toBe(0);
});
