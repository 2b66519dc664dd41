import type { CaptureStatus, TabCaptureState, TranscriptCue } from '@earshot/shared';
import { test as base, expect, type Page } from '@playwright/test';
import { BackendProcess, freePort } from './backend-process';
import { type MediaDocument, recordCaptions, restartMedia, waitForMediaPlaying } from './caption-log';
import { type ExtensionBrowser, launchExtensionBrowser, openExtensionPage } from './extension-browser';
import { belowQualityBar } from './model-quality';
import { MEDIA_DIR, PAGES_DIR } from './paths';
import { type StaticServer, startStaticServer } from './static-server';

let pagesOpened = 0;

/** Talks to the extension's background from one of its own pages, as the popup does. */
export class ExtensionControl {
  constructor(readonly page: Page) {}

  async setBackendUrl(url: string): Promise<void> {
    await this.page.evaluate((backendUrl) => chrome.storage.local.set({ backendUrl }), url);
  }

  async tabIdOf(page: Page): Promise<number> {
    const id = await this.page.evaluate(
      async (url) => (await chrome.tabs.query({})).find((tab) => tab.url === url)?.id,
      page.url(),
    );
    if (id === undefined) throw new Error(`no tab shows ${page.url()}`);
    return id;
  }

  async command(action: 'start' | 'stop', tabId: number): Promise<unknown> {
    return this.page.evaluate((message) => chrome.runtime.sendMessage(message), {
      type: 'earshot/capture',
      action,
      tabId,
    } as const);
  }

  async state(tabId: number): Promise<TabCaptureState | undefined> {
    return this.page.evaluate(async (id) => {
      const { captureStates } = await chrome.storage.session.get('captureStates');
      return (captureStates as Record<string, TabCaptureState> | undefined)?.[id];
    }, tabId);
  }

  async waitForStatus(tabId: number, status: CaptureStatus, timeoutMs = 30_000): Promise<TabCaptureState> {
    await expect.poll(async () => (await this.state(tabId))?.status, { timeout: timeoutMs }).toBe(status);
    return (await this.state(tabId)) as TabCaptureState;
  }

  /** The extension's cached transcript of one video, read from its IndexedDB. */
  async cachedCues(videoKey: string): Promise<TranscriptCue[]> {
    return this.transcriptStore(videoKey);
  }

  /** Puts a transcript of a video into the extension's cache, as an earlier viewing would have. */
  async cacheCues(videoKey: string, cues: TranscriptCue[]): Promise<void> {
    await this.transcriptStore(videoKey, cues);
  }

  /** Reads a video's cached cues, or first replaces them with `put`. */
  private async transcriptStore(videoKey: string, put?: TranscriptCue[]): Promise<TranscriptCue[]> {
    return this.page.evaluate(
      ({ key, cues }) =>
        new Promise<TranscriptCue[]>((resolve, reject) => {
          const open = indexedDB.open('earshot-transcripts', 1);
          open.onupgradeneeded = () =>
            open.result
              .createObjectStore('videos', { keyPath: 'videoKey' })
              .createIndex('updatedAtMs', 'updatedAtMs');
          open.onerror = () => reject(open.error);
          open.onsuccess = () => {
            const tx = open.result.transaction('videos', 'readwrite');
            const store = tx.objectStore('videos');
            if (cues) store.put({ videoKey: key, title: 'test video', updatedAtMs: Date.now(), cues });
            const get = store.get(key);
            tx.oncomplete = () => {
              open.result.close();
              resolve((get.result as { cues: TranscriptCue[] } | undefined)?.cues ?? []);
            };
            tx.onerror = () => reject(tx.error);
          };
        }),
      { key: videoKey, cues: put },
    );
  }

  async tabAudible(tabId: number): Promise<boolean | undefined> {
    return this.page.evaluate(async (id) => (await chrome.tabs.get(id)).audible, tabId);
  }
}

export interface CapturedPage {
  page: Page;
  tabId: number;
}

interface TestFixtures {
  /**
   * Opens one of the test pages, waits for its media to play and starts captioning its tab.
   * `mediaIn` names the frame that holds the media when it is not the page itself.
   */
  openCaptured(path: string, mediaIn?: (page: Page) => Promise<MediaDocument>): Promise<CapturedPage>;
}

interface WorkerFixtures {
  site: StaticServer;
  backend: BackendProcess;
  extensionBrowser: ExtensionBrowser;
  control: ExtensionControl;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  openCaptured: async ({ extensionBrowser, control, site }, use) => {
    const opened: CapturedPage[] = [];
    await use(async (path, mediaIn = async (page) => page) => {
      const page = await extensionBrowser.context.newPage();
      await recordCaptions(page);
      // A unique URL per page, so a page left open by an earlier failure is never mistaken for it.
      const separator = path.includes('?') ? '&' : '?';
      await page.goto(`${site.origin}/${path}${separator}page=${++pagesOpened}`);
      const media = await mediaIn(page);
      await waitForMediaPlaying(media);
      const tabId = await control.tabIdOf(page);
      opened.push({ page, tabId });
      const reply = await control.command('start', tabId);
      expect(reply).toMatchObject({ ok: true });
      await control.waitForStatus(tabId, 'live');
      await restartMedia(media);
      return { page, tabId };
    });
    for (const { page, tabId } of opened) {
      await control.command('stop', tabId);
      await page.close();
    }
  },
  site: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const server = await startStaticServer({ '/media/': MEDIA_DIR, '/': PAGES_DIR });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],
  backend: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const backend = new BackendProcess(await freePort());
      await backend.start();
      await use(backend);
      await backend.stop();
    },
    { scope: 'worker', timeout: 150_000 },
  ],
  extensionBrowser: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring.
    async ({}, use) => {
      const browser = await launchExtensionBrowser();
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  control: [
    async ({ extensionBrowser, backend }, use) => {
      const control = new ExtensionControl(await openExtensionPage(extensionBrowser.context));
      await control.setBackendUrl(backend.url);
      await use(control);
    },
    { scope: 'worker' },
  ],
});

/** Skips the running test, visibly, while tiny-en is below the quality bar the test assumes. */
export function requireQualityBar(): void {
  const reason = belowQualityBar();
  test.skip(reason !== undefined, `[skipped: ${reason}]`);
}

export { expect };
