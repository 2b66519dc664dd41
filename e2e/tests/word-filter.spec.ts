import {
  DEFAULT_WORD_FILTER_SETTINGS,
  type TranscriptCue,
  WordFilter,
  type WordFilterSettings,
} from '@earshot/shared';
import type { Page } from '@playwright/test';
import { videoKey } from '../../extension/lib/transcript/video-identity';
import { captionLog, recordCaptions, wordsOf } from '../support/caption-log';
import { EXTENSION_ID } from '../support/extension-browser';
import { type ExtensionControl, expect, requireQualityBar, test } from '../support/fixtures';
import type { StaticServer } from '../support/static-server';
import {
  align,
  heardIn,
  mediaLog,
  mediaTimeAt,
  originalLevels,
  outputLag,
  outputLevels,
  recordMediaClock,
  silencesNear,
} from '../support/word-filter-audio';
import { ensureFilterMedia, FILTER_MEDIA_FILE, type FilterMedia } from '../support/word-filter-media';

/** Speech of a blocked word that may still be heard: one 10 ms block at each edge. */
const MAX_LEAK_MS = 20;
/** Share of the other words' speech that must come through. */
const MIN_HEARD_SHARE = 0.8;
/** Media seconds on each side of a part whose output aligns the part. */
const PART_CONTEXT_SECONDS = 1;

async function setFilter(control: ExtensionControl, patch: Partial<WordFilterSettings>): Promise<void> {
  const wordFilter: WordFilterSettings = { ...DEFAULT_WORD_FILTER_SETTINGS, ...patch };
  await control.page.evaluate((value) => chrome.storage.local.set({ wordFilter: value }), wordFilter);
}

let opened = 0;

function filterMediaUrl(site: StaticServer, variant: string): string {
  return `${site.origin}/media/${FILTER_MEDIA_FILE}?variant=${variant}`;
}

/** The plain video page playing the filter test video (its address made unique by `variant`). */
async function openFilterVideo(
  page: Page,
  site: StaticServer,
  control: ExtensionControl,
  variant: string,
): Promise<{ tabId: number }> {
  await recordCaptions(page);
  await recordMediaClock(page);
  await page.goto(`${site.origin}/video.html?word-filter=${++opened}`);
  const mediaUrl = filterMediaUrl(site, variant);
  await page.evaluate(async (src) => {
    const media = document.getElementById('media') as HTMLMediaElement;
    media.src = src;
    await media.play();
  }, mediaUrl);
  const tabId = await control.tabIdOf(page);
  expect(await control.command('start', tabId)).toMatchObject({ ok: true });
  await control.waitForStatus(tabId, 'live');
  await page.evaluate(async () => {
    const media = document.getElementById('media') as HTMLMediaElement;
    media.currentTime = 0;
    await media.play();
  });
  return { tabId };
}

/** Puts a transcript of the video into the extension's cache, as an earlier viewing would have. */
async function seedTranscript(
  control: ExtensionControl,
  videoKey: string,
  media: FilterMedia,
): Promise<void> {
  const cues: TranscriptCue[] = media.parts.map((part) => ({
    start_seconds: part.startSeconds,
    end_seconds: part.endSeconds,
    text: part.text,
    words: [
      { word: part.text, start_seconds: part.startSeconds, end_seconds: part.endSeconds, confidence: 1 },
    ],
  }));
  await control.cacheCues(videoKey, cues);
}

/** Waits for one whole pass of the video from its start, then whatever the delay holds back. */
async function playThrough(page: Page, media: FilterMedia, delaySeconds: number): Promise<void> {
  await page.waitForFunction((end) => {
    const m = document.getElementById('media') as HTMLMediaElement;
    return m.currentTime >= end;
  }, media.parts.at(-1)?.endSeconds ?? 0);
  await page.waitForTimeout(delaySeconds * 1000 + 600);
}

/** Pauses the video for 1.2 s when it is 0.5 s before each of `times` (media seconds). */
async function pauseBefore(page: Page, times: number[]): Promise<void> {
  await page.evaluate((starts) => {
    const media = document.getElementById('media') as HTMLMediaElement;
    const pending = [...starts];
    const timer = setInterval(() => {
      const next = pending[0];
      if (next === undefined) {
        clearInterval(timer);
        return;
      }
      if (media.paused || media.currentTime < next - 0.5) return;
      pending.shift();
      media.pause();
      setTimeout(() => void media.play(), 1200);
    }, 10);
  }, times);
}

interface WordReport {
  text: string;
  blocked: boolean;
  speechMs: number;
  heardMs: number;
  /** Where in the part speech was heard, for the log. */
  edges: string;
}

/** How each spoken part came out of the playback path during the last pass. */
async function reportPass(
  page: Page,
  control: ExtensionControl,
  tabId: number,
  media: FilterMedia,
  lagRangeMs: [number, number],
  sinceMs: number,
): Promise<{ lagMs: number; captureLatency: string; words: WordReport[] }> {
  const output = await outputLevels(control, tabId);
  const latencies = output.captureLatency.filter((l) => l.atMs >= sinceMs).map((l) => l.ms);
  const captureLatency =
    latencies.length > 0 ? `${Math.min(...latencies)}–${Math.max(...latencies)} ms` : 'not measured';
  const levels = output.levels.filter((l) => l.atMs >= sinceMs);
  const log = (await mediaLog(page)).filter((s) => s.atMs >= sinceMs - 1000);
  const original = originalLevels(media.file);
  const { lagMs } = outputLag(levels, log, original, ...lagRangeMs);
  const words = media.parts.map((part) => {
    // Each part is aligned on its own: while the machine is busy the audio context renders slower
    // than real time, and the delay line's seconds of context time then last longer on the wall
    // clock, so the output's lag behind the video grows through a pass (by 0.2 s over a protect
    // pass with a 4 s delay in one CI run).
    const near = levels.filter((l) => {
      const t = mediaTimeAt(log, l.atMs - lagMs);
      return (
        t !== undefined &&
        t >= part.startSeconds - PART_CONTEXT_SECONDS &&
        t < part.endSeconds + PART_CONTEXT_SECONDS
      );
    });
    const partLagMs = outputLag(near, log, original, lagMs - 200, lagMs + 300).lagMs;
    const blocks = align(near, log, original, partLagMs);
    const { speechMs, heardMs, heard } = heardIn(blocks, part.startSeconds, part.endSeconds);
    const first = heard[0];
    const last = heard.at(-1);
    const heardEdges =
      first && last
        ? `heard ${((first.mediaTime - part.startSeconds) * 1000).toFixed(0)}–${((last.mediaTime - part.startSeconds) * 1000 + 10).toFixed(0)} ms into it`
        : 'not heard';
    const silences = silencesNear(output.silences, log, partLagMs, part.startSeconds, part.endSeconds);
    const placed = `${heardEdges}, output ${partLagMs} ms late`;
    const edges = silences.length > 0 ? `${placed}; silenced ${silences.join(', ')}` : placed;
    return {
      text: part.text,
      blocked: part.blocked,
      speechMs,
      heardMs,
      edges,
    };
  });
  return { lagMs, captureLatency, words };
}

function expectFiltered(words: WordReport[], label: string): void {
  for (const w of words) {
    console.log(
      `${label}: "${w.text}" ${w.blocked ? 'blocked' : 'clean'}: ${w.heardMs}/${w.speechMs} ms of speech heard (${w.edges})`,
    );
    expect(w.speechMs, `"${w.text}" was measured`).toBeGreaterThan(100);
    if (w.blocked) expect(w.heardMs, `blocked "${w.text}" heard`).toBeLessThanOrEqual(MAX_LEAK_MS);
    else expect(w.heardMs / w.speechMs, `share of "${w.text}" heard`).toBeGreaterThanOrEqual(MIN_HEARD_SHARE);
  }
}

const BLOCKED = ['damn', 'shit', 'hell'];

/** The blocked words some caption showed masked ("s***"), as the extension masks them: the ones heard. */
function maskedWordsShown(samples: { text: string }[]): string[] {
  const filter = new WordFilter(DEFAULT_WORD_FILTER_SETTINGS);
  return BLOCKED.filter((w) => samples.some((s) => s.text.toLowerCase().includes(filter.mask(w))));
}

function expectCaptionsMasked(samples: { text: string }[]): void {
  for (const sample of samples) {
    const unmasked = wordsOf(sample.text).filter((w) => BLOCKED.includes(w));
    expect(unmasked, `caption "${sample.text}"`).toEqual([]);
  }
}

test.describe('word filter', () => {
  test.describe.configure({ timeout: 120_000 });

  test.afterEach(async ({ control }) => {
    await setFilter(control, {});
  });

  test('protect mode plays the tab the chosen delay late on the output the user hears', async ({
    extensionBrowser,
    site,
    control,
  }) => {
    const media = ensureFilterMedia();
    await setFilter(control, { audioMode: 'protect', protectDelaySeconds: 2 });
    const page = await extensionBrowser.context.newPage();
    try {
      const { tabId } = await openFilterVideo(page, site, control, 'delay');
      const since = Date.now();
      await playThrough(page, media, 2);
      const levels = (await outputLevels(control, tabId)).levels.filter((l) => l.atMs >= since);
      const log = await mediaLog(page);
      const { lagMs, correlation } = outputLag(levels, log, originalLevels(media.file), 0, 4000);
      console.log(
        `protect delay 2000 ms: output follows the video ${lagMs} ms late (r = ${correlation.toFixed(2)})`,
      );
      expect(correlation).toBeGreaterThan(0.5);
      expect(lagMs).toBeGreaterThanOrEqual(1950);
      expect(lagMs).toBeLessThanOrEqual(2300);
      await control.command('stop', tabId);
    } finally {
      await page.close();
    }
  });

  for (const mode of ['instant', 'protect'] as const) {
    for (const pauses of [false, true]) {
      const what = pauses
        ? 'cached blocked words stay silent when the video pauses just before each of them'
        : 'a cached transcript silences each blocked word from its first sound when it plays again';
      test(`${mode} mode: ${what}`, async ({ extensionBrowser, site, control }) => {
        const media = ensureFilterMedia();
        const delay = mode === 'protect' ? 1 : 0;
        await setFilter(control, { audioMode: mode, protectDelaySeconds: Math.max(delay, 0.5) });
        const variant = `cached-${mode}${pauses ? '-paused' : ''}`;
        // The key the extension gives the video (its address, normalised), as a first viewing stored it.
        const key = videoKey(`${site.origin}/video.html`, filterMediaUrl(site, variant));
        await seedTranscript(control, key, media);
        const page = await extensionBrowser.context.newPage();
        try {
          const { tabId } = await openFilterVideo(page, site, control, variant);
          const since = Date.now();
          // Each pause comes after the word's silence was announced (1.5 s ahead), before it plays.
          if (pauses)
            await pauseBefore(
              page,
              media.parts.filter((p) => p.blocked).map((p) => p.startSeconds),
            );
          await playThrough(page, media, delay);
          const lagMs = delay * 1000;
          const report = await reportPass(page, control, tabId, media, [lagMs - 100, lagMs + 400], since);
          const label = `${mode} replay${pauses ? ' with pauses' : ''}`;
          console.log(
            `${label}: output ${report.lagMs} ms behind the video; tab sound reached the path ${report.captureLatency} late`,
          );
          expectFiltered(report.words, label);
          await control.command('stop', tabId);
        } finally {
          await page.close();
        }
      });
    }
  }

  test('protect mode: live blocked words are silenced before they are heard and masked in captions', async ({
    extensionBrowser,
    site,
    control,
  }) => {
    requireQualityBar();
    const media = ensureFilterMedia();
    const delay = 4;
    await setFilter(control, { audioMode: 'protect', protectDelaySeconds: delay });
    const page = await extensionBrowser.context.newPage();
    try {
      const { tabId } = await openFilterVideo(page, site, control, `live-protect-${Date.now()}`);
      // One pass: the test page's video loops, and blocked words heard again while this test reads
      // the tab's filtered count would add to it.
      await page.evaluate(() => {
        (document.getElementById('media') as HTMLMediaElement).loop = false;
      });
      const since = Date.now();
      await playThrough(page, media, delay);
      const stats = await control.page.evaluate(async (id) => {
        const { filterStats } = await chrome.storage.session.get('filterStats');
        return (filterStats as Record<string, { filteredWords: number; latencySeconds?: number }>)?.[id];
      }, tabId);
      console.log(
        `protect live: recognition latency ${stats?.latencySeconds?.toFixed(2)} s for a ${delay} s delay; ${stats?.filteredWords} words filtered`,
      );
      const report = await reportPass(
        page,
        control,
        tabId,
        media,
        [delay * 1000 - 100, delay * 1000 + 400],
        since,
      );
      expectFiltered(report.words, 'protect live');
      expectCaptionsMasked(await captionLog(page));
      expect(stats?.filteredWords).toBeGreaterThanOrEqual(BLOCKED.length);

      const popup = await extensionBrowser.context.newPage();
      await popup.goto(`chrome-extension://${EXTENSION_ID}/popup.html?tabId=${tabId}`);
      await expect(popup.locator('#filtered-count')).toHaveText(String(stats?.filteredWords));
      await expect(popup.locator('#latency-fit')).toHaveText(
        /^Recognition latency \d+\.\d s (fits|does not fit)/,
      );
      await popup.close();
      await control.command('stop', tabId);
    } finally {
      await page.close();
    }
  });

  test('instant mode: live silencing spares the other words, and a replay is silenced from the word start', async ({
    extensionBrowser,
    site,
    control,
  }) => {
    requireQualityBar();
    const media = ensureFilterMedia();
    await setFilter(control, { audioMode: 'instant' });
    const page = await extensionBrowser.context.newPage();
    try {
      const { tabId } = await openFilterVideo(page, site, control, `live-instant-${Date.now()}`);
      const firstPass = Date.now();
      await playThrough(page, media, 0);
      const latency = await control.page.evaluate(async (id) => {
        const { filterStats } = await chrome.storage.session.get('filterStats');
        return (filterStats as Record<string, { latencySeconds?: number }>)?.[id]?.latencySeconds;
      }, tabId);
      expect(latency, 'recognition latency measured').toBeDefined();
      const first = await reportPass(page, control, tabId, media, [-100, 400], firstPass);
      // Live, a word is known only `latency` after it ended, so instant mode silences at most its
      // tail; what it must not do is cut into the words around it.
      for (const word of first.words) {
        console.log(
          `instant first pass (latency ${(latency ?? 0).toFixed(2)} s): "${word.text}" ${word.heardMs}/${word.speechMs} ms heard (${word.edges})`,
        );
        if (!word.blocked) expect(word.heardMs / word.speechMs).toBeGreaterThanOrEqual(MIN_HEARD_SHARE);
      }
      // The replay silences ahead what the first pass cached. tiny-en now and then hears one of the
      // three as another word live (in two of the last four CI runs): that word, not cached, is left
      // out of the replay's check, and the test says so; two misses fail.
      const firstCaptions = await captionLog(page);
      const cached = maskedWordsShown(firstCaptions);
      const missed = BLOCKED.filter((w) => !cached.includes(w));
      if (missed.length > 0) {
        const heard = firstCaptions.at(-1)?.text ?? '';
        const note = `first pass did not recognize ${missed.join(', ')} (last caption: "${heard}")`;
        console.log(`instant first pass: ${note}`);
        test.info().annotations.push({ type: 'recognition', description: note });
      }
      expect(
        cached.length,
        `blocked words the first pass recognized: ${cached.join(', ')}`,
      ).toBeGreaterThanOrEqual(BLOCKED.length - 1);

      await page.evaluate(() => {
        (document.getElementById('media') as HTMLMediaElement).currentTime = 0;
      });
      const replay = Date.now();
      await playThrough(page, media, 0);
      const second = await reportPass(page, control, tabId, media, [-100, 400], replay);
      expectFiltered(
        second.words.filter((w) => !missed.includes(w.text)),
        'instant replay',
      );
      expectCaptionsMasked(await captionLog(page));
      await control.command('stop', tabId);
    } finally {
      await page.close();
    }
  });
});
