import type {
  CaptionsUpdate,
  CaptureStatusReport,
  OffscreenStart,
  OffscreenStop,
  TabCaptureState,
} from '@earshot/shared';
import { browser } from '#imports';
import { apiKeyItem, backendUrlItem, capturedPagesItem, userIdItem } from '../storage-items';
import { resetCaptionStats } from './caption-stats';
import { activeTabIds, getCaptureState, isActive, updateCaptureState } from './capture-states';
import { languagesForPage } from './language-relay';
import { captionFrameOf, forgetFrame } from './media-frames';
import {
  closeOffscreenDocument,
  ensureOffscreenDocument,
  offscreenDocumentExists,
} from './offscreen-document';
import { filterForPage, resetFilterStats } from './word-filter-relay';

/**
 * Length of audio in each uploaded chunk: a word waits up to this long before it is even sent, so it
 * is the largest fixed share of caption latency. 250 ms keeps that share small at four small requests
 * a second per tab, which the local service batches (see docs/performance.md).
 */
const TIMESLICE_MS = 250;

/** Starts captioning a tab; resolves with its state once the capture runs (or why it could not). */
export async function startCapture(tabId: number): Promise<TabCaptureState> {
  const current = await getCaptureState(tabId);
  // A capture recorded as running only is running while its offscreen document exists.
  if (current && isActive(current) && (await offscreenDocumentExists())) return current;
  await updateCaptureState(tabId, () => ({ tabId, status: 'starting' }));
  try {
    const tab = await browser.tabs.get(tabId);
    await rememberPage(tabId, tab.url);
    await resetFilterStats(tabId);
    await resetCaptionStats(tabId);
    const streamId = await browser.tabCapture.getMediaStreamId({ targetTabId: tabId });
    await ensureOffscreenDocument();
    const command: OffscreenStart = {
      type: 'earshot/offscreen-start',
      tabId,
      streamId,
      backendUrl: await backendUrlItem.getValue(),
      apiKey: await apiKeyItem.getValue(),
      userId: await userIdItem.getValue(),
      timesliceMs: TIMESLICE_MS,
      filter: await filterForPage(tab.url),
      languages: await languagesForPage(tab.url),
    };
    const reply = (await browser.runtime.sendMessage(command)) as { ok: boolean; error?: string } | undefined;
    if (!reply?.ok) throw new Error(reply?.error ?? 'The capture page did not answer.');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failed = await updateCaptureState(tabId, (previous) =>
      previous?.status === 'starting' ? { tabId, status: 'error', reason } : previous,
    );
    return failed ?? { tabId, status: 'off' };
  }
  const state = await getCaptureState(tabId);
  // Stopped, or its tab closed, while it was starting: leave no stream behind.
  if (!isActive(state)) await stopInOffscreen(tabId);
  return state ?? { tabId, status: 'off' };
}

/** Starts captions on a tab that has none, stops them on one that has them (the keyboard shortcut). */
export async function toggleCapture(tabId: number): Promise<TabCaptureState> {
  return isActive(await getCaptureState(tabId)) ? stopCapture(tabId) : startCapture(tabId);
}

/** Stops captioning a tab (also when it closed); the tab's audio plays normally again. */
export async function stopCapture(tabId: number, forget = false): Promise<TabCaptureState> {
  const wasActive = isActive(await getCaptureState(tabId));
  const off: TabCaptureState = { tabId, status: 'off' };
  await updateCaptureState(tabId, () => (forget ? undefined : off));
  await forgetPage(tabId);
  injectedTabs.delete(tabId);
  if (wasActive) await stopInOffscreen(tabId);
  return off;
}

async function stopInOffscreen(tabId: number): Promise<void> {
  if (!(await offscreenDocumentExists())) return;
  const command: OffscreenStop = { type: 'earshot/offscreen-stop', tabId };
  await browser.runtime.sendMessage(command).catch(() => undefined);
  if ((await activeTabIds()).length === 0) await closeOffscreenDocument();
}

/** A status report from the offscreen document; ignored once the tab was stopped. */
export async function applyStatusReport(report: CaptureStatusReport): Promise<void> {
  const { type: _type, ...state } = report;
  await updateCaptureState(report.tabId, (previous) => (isActive(previous) ? state : previous));
  if (state.status === 'error' && (await activeTabIds()).length === 0) await closeOffscreenDocument();
}

/** Hands caption segments to the content script of the tab's frame that plays its media. */
export async function relayCaptions(update: CaptionsUpdate): Promise<void> {
  if (!isActive(await getCaptureState(update.tabId))) return;
  const frameId = await captionFrameOf(update.tabId);
  try {
    await browser.tabs.sendMessage(update.tabId, update, { frameId });
    return;
  } catch {
    // That frame went away without saying so: the top frame shows the captions from now on.
    if (frameId !== 0) await forgetFrame(update.tabId, frameId);
  }
  try {
    await browser.tabs.sendMessage(update.tabId, update, { frameId: 0 });
  } catch {
    // Pages opened before the extension was installed or updated have no content script yet.
    if (await injectContentScript(update.tabId)) {
      await browser.tabs.sendMessage(update.tabId, update, { frameId: 0 }).catch(() => undefined);
    }
  }
}

/** Tabs already given a content script by hand, so a page that refuses scripts is tried once. */
const injectedTabs = new Set<number>();

async function injectContentScript(tabId: number): Promise<boolean> {
  if (injectedTabs.has(tabId)) return false;
  injectedTabs.add(tabId);
  const files = browser.runtime.getManifest().content_scripts?.flatMap((script) => script.js ?? []) ?? [];
  try {
    await browser.scripting.executeScript({ target: { tabId, allFrames: true }, files });
    return true;
  } catch {
    return false;
  }
}

/**
 * A captured tab that loads another page (not the same one again) stops being captured. Moving
 * within the page through the history API, as video sites do between videos, keeps captions on.
 */
export async function handlePageLoad(tabId: number, url: string): Promise<void> {
  const pages = await capturedPagesItem.getValue();
  const captured = pages[tabId];
  if (captured !== undefined && withoutFragment(captured) !== withoutFragment(url)) await stopCapture(tabId);
}

/** The captured page moved to another address without loading a new document. */
export async function handleInPageNavigation(tabId: number, url: string): Promise<void> {
  const pages = await capturedPagesItem.getValue();
  if (pages[tabId] !== undefined) await rememberPage(tabId, url);
}

function withoutFragment(url: string): string {
  return url.split('#')[0] ?? url;
}

async function rememberPage(tabId: number, url: string | undefined): Promise<void> {
  const pages = await capturedPagesItem.getValue();
  await capturedPagesItem.setValue({ ...pages, [tabId]: url ?? '' });
}

async function forgetPage(tabId: number): Promise<void> {
  const { [tabId]: _removed, ...rest } = await capturedPagesItem.getValue();
  await capturedPagesItem.setValue(rest);
}
