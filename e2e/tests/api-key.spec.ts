import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BackendProcess, freePort } from '../support/backend-process';
import { waitForMediaPlaying } from '../support/caption-log';
import { visibleCaptionBox } from '../support/expectations';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';
import { ARTIFACTS_DIR } from '../support/paths';

const KEY = 'es-e2e-extension-5b2d9c41a7f0';

test('against a backend that needs keys: no key says what to do, the settings key makes captions run', async ({
  extensionBrowser,
  control,
  backend,
  site,
}) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(join(ARTIFACTS_DIR, 'keyed-'));
  const keyFile = join(dir, 'keys.json');
  writeFileSync(keyFile, JSON.stringify({ keys: [{ name: 'e2e', key: KEY }] }));
  chmodSync(keyFile, 0o600);
  const keyed = new BackendProcess(await freePort(), undefined, {
    args: ['--api-keys', keyFile],
    env: { EARSHOT_CACHE_DIR: dir },
  });
  await keyed.start();
  const popup = await extensionBrowser.context.newPage();
  const page = await extensionBrowser.context.newPage();
  try {
    await control.setBackendUrl(keyed.url);
    await page.goto(`${site.origin}/video.html?keyed`);
    await waitForMediaPlaying(page);
    const tabId = await control.tabIdOf(page);
    await control.command('start', tabId);
    await control.waitForStatus(tabId, 'error');
    expect((await control.state(tabId))?.reason).toMatch(
      /needs an API key.*Enter the backend's API key on the Earshot settings page\./,
    );
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);
    await expect(popup.locator('#capture-reason')).toHaveText(
      /Enter the backend's API key on the Earshot settings page/,
    );
    await expect(popup.locator('#caption-advice')).toHaveText('Press Start captions to try again.');

    await control.page.evaluate((apiKey) => chrome.storage.local.set({ apiKey }), KEY);
    await control.command('start', tabId);
    await control.waitForStatus(tabId, 'live');
    await visibleCaptionBox(page);
    const usage = await fetch(`${keyed.url}/v1/usage`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(await usage.json()).toMatchObject({ key: 'e2e', live_seconds: expect.any(Number) });
    await control.command('stop', tabId);
  } finally {
    await control.page.evaluate(() => chrome.storage.local.set({ apiKey: '' }));
    await control.setBackendUrl(backend.url);
    await popup.close();
    await page.close();
    await keyed.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
