import { readFileSync } from 'node:fs';
import type { LanguageUse } from '@earshot/shared';
import { StatusResponseSchema } from '@earshot/shared';
import type { Page } from '@playwright/test';
import { videoKey } from '../../extension/lib/transcript/video-identity';
import { BackendProcess, freePort } from '../support/backend-process';
import { captionLog, recordCaptions, restartMedia, waitForMediaPlaying } from '../support/caption-log';
import { EXTENSION_ID } from '../support/extension-browser';
import { expect, test } from '../support/fixtures';
import { canaryBelowQualityBar } from '../support/model-quality';
import { GERMAN_SENTENCES } from '../support/test-media';

const GERMAN_WORDS = [...new Set(GERMAN_SENTENCES.flatMap((s) => s.de.toLowerCase().split(' ')))];
const ENGLISH_WORDS = [...new Set(GERMAN_SENTENCES.flatMap((s) => s.en.split(' ')))].filter(
  // Words that read the same in both languages would not tell a translation from a transcript.
  (w) => !GERMAN_WORDS.includes(w),
);

/** The distinct words of `expected` that appeared in the page's captions so far (letters of any language). */
async function shown(page: Page, expected: readonly string[]): Promise<string[]> {
  const seen = new Set(
    (await captionLog(page)).flatMap((s) => s.text.toLowerCase().split(/[^\p{L}']+/u)).filter(Boolean),
  );
  return expected.filter((w) => seen.has(w));
}

async function languagesInUse(backend: BackendProcess): Promise<LanguageUse[]> {
  const status = StatusResponseSchema.parse(await (await fetch(`${backend.url}/status`)).json());
  return (status.sessions.by_language ?? []).filter((use) => use.sessions > 0);
}

test.describe('captions in the viewer’s language, with a Canary model', () => {
  let canary: BackendProcess;
  test.beforeAll(async () => {
    canary = new BackendProcess(await freePort(), 'tiny-canary');
    await canary.start();
  });
  test.afterAll(async () => canary?.stop());

  test('German speech is captioned in German, then in English from the popup while captions run; the choice outlives a reload; the side panel and SRT export carry the translation', async ({
    extensionBrowser,
    control,
    site,
    backend,
  }) => {
    test.setTimeout(240_000);
    const quality = canaryBelowQualityBar();
    if (quality) {
      // The words a viewer would read are not checked while the model cannot write them; say so.
      test.info().annotations.push({ type: 'word checks skipped', description: quality });
      console.log(`languages: German and English word checks skipped: ${quality}`);
    }
    const { context } = extensionBrowser;
    await control.setBackendUrl(canary.url);
    const video = await context.newPage();
    const popup = await context.newPage();
    const panel = await context.newPage();
    try {
      await recordCaptions(video);
      await video.goto(`${site.origin}/german.html?languages`);
      await waitForMediaPlaying(video);
      const tabId = await control.tabIdOf(video);
      await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);

      // The languages come from the backend's model; Canary cannot detect one, and says so.
      await expect(popup.locator('#caption-language option')).toHaveText([
        "Automatic (English, the model's default)",
        'English',
        'German',
      ]);
      await popup.check('#language-site');
      await popup.selectOption('#caption-language', 'de');
      await expect(popup.locator('#translate-to option')).toHaveText(['Off', 'English']);
      await expect(popup.locator('#language-note')).toHaveText('Captions in German.');

      await popup.click('#capture-toggle');
      await expect(popup.locator('#capture-status')).toHaveText('live', { timeout: 30_000 });
      await restartMedia(video);
      await expect
        .poll(() => languagesInUse(canary), { timeout: 30_000 })
        .toEqual([{ language: 'de', target_language: null, dual: false, sessions: 1 }]);
      if (!quality) {
        await expect
          .poll(async () => (await shown(video, GERMAN_WORDS)).length, { timeout: 60_000 })
          .toBeGreaterThanOrEqual(Math.ceil(GERMAN_WORDS.length / 2));
      }

      // Translation switched on while captions run: the capture goes on in a new recording.
      await popup.selectOption('#translate-to', 'en');
      await expect(popup.locator('#language-note')).toHaveText(
        /^Captions translated into English by tiny-canary/,
      );
      await expect
        .poll(() => languagesInUse(canary), { timeout: 30_000 })
        .toEqual([{ language: 'de', target_language: 'en', dual: false, sessions: 1 }]);
      expect((await control.state(tabId))?.status).toBe('live');
      const englishFrom = (await captionLog(video)).length;
      await restartMedia(video);
      if (!quality) {
        await expect
          .poll(
            async () => {
              const later = (await captionLog(video)).slice(englishFrom).map((s) => s.text.toLowerCase());
              return ENGLISH_WORDS.filter((w) => later.some((t) => t.split(/[^\p{L}']+/u).includes(w)))
                .length;
            },
            { timeout: 60_000 },
          )
          .toBeGreaterThanOrEqual(Math.ceil(ENGLISH_WORDS.length / 2));
      }

      // Dual captions: the German line above the English one.
      await popup.check('#dual-captions');
      await expect(popup.locator('#language-note')).toHaveText(/decodes the audio twice/);
      await expect
        .poll(() => languagesInUse(canary), { timeout: 30_000 })
        .toEqual([{ language: 'de', target_language: 'en', dual: true, sessions: 1 }]);
      await restartMedia(video);
      await expect(video.locator('[data-earshot-captions] [data-earshot-original]').first()).toBeAttached({
        timeout: 60_000,
      });

      // The choice is the site's own, stored: a reloaded popup shows it again.
      await popup.reload();
      await expect(popup.locator('#caption-language')).toHaveValue('de');
      await expect(popup.locator('#translate-to')).toHaveValue('en');
      await expect(popup.locator('#dual-captions')).toBeChecked();
      await expect(popup.locator('#language-site')).toBeChecked();

      // The side panel and the SRT export carry the translation, marked as one in the cache.
      const key = videoKey(video.url(), `${site.origin}/media/german.mp4`);
      await expect
        .poll(async () => (await control.cachedCues(key)).filter((c) => c.translated).length, {
          timeout: 60_000,
        })
        .toBeGreaterThan(0);
      await panel.setViewportSize({ width: 400, height: 640 });
      await panel.goto(`chrome-extension://${EXTENSION_ID}/sidepanel.html?tabId=${tabId}`);
      const lines = panel.locator('#lines .line');
      await expect.poll(() => lines.count(), { timeout: 30_000 }).toBeGreaterThan(0);
      const download = panel.waitForEvent('download');
      await panel.click('#export-srt');
      const srt = readFileSync(await (await download).path(), 'utf8');
      expect(srt).toMatch(/^1\n\d\d:\d\d:\d\d,\d{3} --> /);
      if (!quality) {
        const panelText = (await lines.allTextContents()).join(' ').toLowerCase();
        expect(ENGLISH_WORDS.filter((w) => panelText.includes(w)).length).toBeGreaterThan(0);
        expect(ENGLISH_WORDS.filter((w) => srt.toLowerCase().includes(w)).length).toBeGreaterThan(0);
      }
    } finally {
      await control.command('stop', await control.tabIdOf(video)).catch(() => undefined);
      await control.page.evaluate(() => chrome.storage.local.remove('captionLanguages'));
      await control.setBackendUrl(backend.url);
      await Promise.all([video.close(), popup.close(), panel.close()]);
    }
  });
});

test('a model that cannot translate refuses the recording in one line, and the popup says why', async ({
  extensionBrowser,
  control,
  site,
}) => {
  const { context } = extensionBrowser;
  await control.page.evaluate(() =>
    chrome.storage.local.set({
      captionLanguages: { default: { language: 'auto', translateTo: 'de', dual: false }, sites: {} },
    }),
  );
  const video = await context.newPage();
  const popup = await context.newPage();
  try {
    await video.goto(`${site.origin}/video.html?cannot-translate`);
    await waitForMediaPlaying(video);
    const tabId = await control.tabIdOf(video);
    await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);
    await expect(popup.locator('#language-note')).toHaveText(
      'tiny-en hears one language and cannot translate; serve a Canary or Whisper model to choose.',
    );
    await expect(popup.locator('#caption-language')).toBeDisabled();
    await popup.click('#capture-toggle');
    await expect(popup.locator('#capture-status')).toHaveText('error', { timeout: 30_000 });
    await expect(popup.locator('#capture-reason')).toHaveText(
      /^The backend refused the audio: tiny-en cannot translate; serve a Canary model, or a multilingual Whisper model for English$/,
    );
  } finally {
    await control.page.evaluate(() => chrome.storage.local.remove('captionLanguages'));
    await Promise.all([video.close(), popup.close()]);
  }
});
