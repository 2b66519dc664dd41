import { waitForMediaPlaying } from '../support/caption-log';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';
import { startRecordingProxy } from '../support/recording-proxy';

test('the settings page saves a backend address and refuses a malformed one', async ({
  extensionBrowser,
  control,
  backend,
}) => {
  const options = await extensionBrowser.context.newPage();
  await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
  const input = options.locator('#backend-url');
  const message = options.locator('#backend-message');
  await expect(input).toHaveValue(backend.url);

  await input.fill('127.0.0.1:8001');
  await options.click('#backend-form button[type=submit]');
  await expect(message).toHaveText(/is not a full address.*http:\/\/127\.0\.0\.1:8001/);
  expect(await options.evaluate(() => chrome.storage.local.get('backendUrl'))).toEqual({
    backendUrl: backend.url,
  });

  try {
    await input.fill('http://127.0.0.1:9/');
    await options.click('#backend-form button[type=submit]');
    await expect(message).toHaveText(/^Saved\. Not reachable at http:\/\/127\.0\.0\.1:9\./);
    expect(await options.evaluate(() => chrome.storage.local.get('backendUrl'))).toEqual({
      backendUrl: 'http://127.0.0.1:9',
    });

    await input.fill(`${backend.url}/`);
    await options.click('#backend-form button[type=submit]');
    const { model, device } = await backend.health();
    await expect(message).toHaveText(`Saved. Running at ${backend.url}: model ${model} on ${device}.`);
    expect(await options.evaluate(() => chrome.storage.local.get('backendUrl'))).toEqual({
      backendUrl: backend.url,
    });
  } finally {
    await control.setBackendUrl(backend.url);
    await options.close();
  }
});

test('an API key saved on the settings page goes with every request to the backend', async ({
  extensionBrowser,
  control,
  backend,
  site,
}) => {
  const proxy = await startRecordingProxy(backend.url);
  const options = await extensionBrowser.context.newPage();
  const video = await extensionBrowser.context.newPage();
  try {
    await options.goto(`chrome-extension://${EXTENSION_ID}/options.html`);
    await options.locator('#backend-url').fill(proxy.url);
    await options.locator('#api-key').fill('earshot-test-key');
    await options.click('#backend-form button[type=submit]');
    await expect(options.locator('#backend-message')).toHaveText(/^Saved\. Running at/);
    expect(await options.evaluate(() => chrome.storage.local.get('apiKey'))).toEqual({
      apiKey: 'earshot-test-key',
    });

    await video.goto(`${site.origin}/video.html?with-api-key`);
    await waitForMediaPlaying(video);
    const tabId = await control.tabIdOf(video);
    await control.command('start', tabId);
    await control.waitForStatus(tabId, 'live');
    await expect.poll(() => proxy.seen.filter((r) => r.path === '/asr/stream').length).toBeGreaterThan(2);
    const paths = new Set(proxy.seen.map((r) => r.path));
    expect(paths).toContain('/health');
    expect(proxy.seen.filter((r) => r.authorization !== 'Bearer earshot-test-key')).toEqual([]);
    await control.command('stop', tabId);

    // An emptied field sends no key at all.
    await options.locator('#api-key').fill('');
    await options.click('#backend-form button[type=submit]');
    await expect(options.locator('#backend-message')).toHaveText(/^Saved\. Running at/);
    expect(proxy.seen.at(-1)).toEqual({ path: '/health', authorization: undefined });
  } finally {
    await control.setBackendUrl(backend.url);
    await options.evaluate(() => chrome.storage.local.set({ apiKey: '' }));
    await options.close();
    await video.close();
    await proxy.close();
  }
});
