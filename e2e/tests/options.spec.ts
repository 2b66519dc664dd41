import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';

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
  await options.click('button[type=submit]');
  await expect(message).toHaveText(/is not a full address.*http:\/\/127\.0\.0\.1:8001/);
  expect(await options.evaluate(() => chrome.storage.local.get('backendUrl'))).toEqual({
    backendUrl: backend.url,
  });

  try {
    await input.fill('http://127.0.0.1:9/');
    await options.click('button[type=submit]');
    await expect(message).toHaveText(/^Saved\. Not reachable at http:\/\/127\.0\.0\.1:9\./);
    expect(await options.evaluate(() => chrome.storage.local.get('backendUrl'))).toEqual({
      backendUrl: 'http://127.0.0.1:9',
    });

    await input.fill(`${backend.url}/`);
    await options.click('button[type=submit]');
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
