import { waitForMediaPlaying } from '../support/caption-log';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';

test('the popup toggles captions for its tab and shows the backend', async ({
  extensionBrowser,
  control,
  site,
  backend,
}) => {
  const { context } = extensionBrowser;
  const video = await context.newPage();
  await video.goto(`${site.origin}/video.html?from-popup`);
  await waitForMediaPlaying(video);
  const tabId = await control.tabIdOf(video);

  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);
  const { model, device } = await backend.health();
  await expect(popup.locator('#backend-status')).toHaveText(
    `Running at ${backend.url}: model ${model} on ${device}.`,
  );
  await expect(popup.locator('#capture-status')).toHaveText('off');

  await popup.click('#capture-toggle');
  await expect(popup.locator('#capture-status')).toHaveText('live', { timeout: 30_000 });
  await expect(popup.locator('#capture-toggle')).toHaveText('Stop captions');
  // While captions run: the model and device, the load GET /status reports, the measured delay.
  await expect(popup.locator('#backend-model')).toHaveText(model);
  await expect(popup.locator('#backend-load')).toHaveText(/^keeping up/);
  await expect(popup.locator('#caption-summary')).toHaveText(
    /^Captions are live\. Caption delay: \d+\.\d s\.$/,
    {
      timeout: 30_000,
    },
  );

  await popup.click('#capture-toggle');
  await expect(popup.locator('#capture-status')).toHaveText('off');
  expect((await control.state(tabId))?.status).toBe('off');
  await popup.close();
  await video.close();
});

test('the popup says in one line why a tab cannot be captioned', async ({ extensionBrowser, site }) => {
  const { context } = extensionBrowser;
  const gone = await context.newPage();
  await gone.goto(`${site.origin}/audio.html?closed-before-captioning`);
  const popup = await context.newPage();
  await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
  const tabId = await popup.evaluate(
    async (url) => (await chrome.tabs.query({})).find((tab) => tab.url === url)?.id,
    gone.url(),
  );
  await gone.close();
  await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);

  await popup.click('#capture-toggle');
  await expect(popup.locator('#capture-status')).toHaveText('error');
  const reason = popup.locator('#capture-reason');
  await expect(reason).toHaveText(new RegExp(`No tab with id:? ${tabId}`));
  expect((await reason.textContent())?.split('\n')).toHaveLength(1);
  await expect(popup.locator('#capture-toggle')).toHaveText('Start captions');
  await popup.close();
});

test('the popup reports a backend that is not running', async ({ extensionBrowser, control, backend }) => {
  const { context } = extensionBrowser;
  await control.setBackendUrl('http://127.0.0.1:9');
  try {
    const popup = await context.newPage();
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html`);
    await expect(popup.locator('#backend-status')).toHaveText(/Not reachable at http:\/\/127\.0\.0\.1:9/);
    await popup.close();
  } finally {
    await control.setBackendUrl(backend.url);
  }
});
