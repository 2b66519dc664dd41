import type { Frame, Page } from '@playwright/test';

export interface CaptionSample {
  /** Wall clock of the change. */
  atMs: number;
  /** Position of the page's media element at that moment (seconds). */
  mediaTime: number;
  text: string;
}

declare global {
  interface Window {
    earshotCaptionLog?: CaptionSample[];
    /** Set by test pages whose media element has no id="media" reachable from the document (shadow DOM). */
    earshotTestMedia?: HTMLMediaElement;
  }
}

/**
 * Records, from inside the page, every change of the caption element's text together with the
 * media position, so tests can tell when each word showed up relative to when it was heard.
 */
export async function recordCaptions(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log: CaptionSample[] = [];
    window.earshotCaptionLog = log;
    let last = '';
    new MutationObserver(() => {
      const host = document.querySelector('[data-earshot-captions]');
      const text = host?.textContent?.trim() ?? '';
      if (text === last) return;
      last = text;
      const media = window.earshotTestMedia ?? (document.getElementById('media') as HTMLMediaElement | null);
      log.push({ atMs: Date.now(), mediaTime: media?.currentTime ?? Number.NaN, text });
    }).observe(document, { subtree: true, childList: true, characterData: true });
  });
}

/** The page or frame whose document holds the media a test captions. */
export type MediaDocument = Page | Frame;

export async function captionLog(page: MediaDocument): Promise<CaptionSample[]> {
  return page.evaluate(() => window.earshotCaptionLog ?? []);
}

export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z']+/)
    .filter(Boolean);
}

/** Distinct words of `expected` that appeared in any caption so far. */
export function wordsShown(samples: CaptionSample[], expected: readonly string[]): string[] {
  const seen = new Set(samples.flatMap((s) => wordsOf(s.text)));
  return [...new Set(expected)].filter((w) => seen.has(w));
}

/** Starts the page's media from the beginning (it autoplays; tests want the whole script). */
export async function restartMedia(page: MediaDocument): Promise<void> {
  await page.evaluate(async () => {
    const media = window.earshotTestMedia ?? (document.getElementById('media') as HTMLMediaElement);
    media.currentTime = 0;
    await media.play();
  });
}

export async function waitForMediaPlaying(page: MediaDocument): Promise<void> {
  await page.waitForFunction(() => {
    const media = window.earshotTestMedia ?? (document.getElementById('media') as HTMLMediaElement | null);
    return !!media && !media.paused && media.currentTime > 0.1;
  });
}
