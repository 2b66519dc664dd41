import {
  type CaptionStatsReport,
  type CaptionsUpdate,
  type CaptureStatusReport,
  type FilterStatsReport,
  OffscreenFilterSchema,
  OffscreenLanguagesSchema,
  OffscreenMuteSchema,
  OffscreenStartSchema,
  OffscreenStopSchema,
  type OutputLevels,
  OutputLevelsRequestSchema,
  type TabCaptureState,
} from '@earshot/shared';
import { browser } from '#imports';
import { NOTHING_PLAYED, TabCapture } from '../../lib/offscreen/tab-capture';

// The one offscreen document: it holds the media streams of every captured tab.
const captures = new Map<number, TabCapture>();

function report(state: TabCaptureState): void {
  const message: CaptureStatusReport = { type: 'earshot/capture-status', ...state };
  void browser.runtime.sendMessage(message).catch(() => undefined);
}

function relay(update: CaptionsUpdate | FilterStatsReport | CaptionStatsReport): void {
  void browser.runtime.sendMessage(update).catch(() => undefined);
}

async function startCapture(message: unknown): Promise<{ ok: true } | { ok: false; error: string }> {
  const config = OffscreenStartSchema.parse(message);
  if (captures.has(config.tabId)) return { ok: true };
  const capture = new TabCapture(config, {
    onState: (state) => {
      if (state.status === 'error') captures.delete(config.tabId);
      report(state);
    },
    onCaptions: relay,
    onFilterStats: relay,
    onCaptionStats: relay,
  });
  captures.set(config.tabId, capture);
  try {
    await capture.start();
    return { ok: true };
  } catch (error) {
    captures.delete(config.tabId);
    await capture.stop();
    return { ok: false, error: `Could not capture the tab's audio: ${errorText(error)}` };
  }
}

async function stopCapture(message: unknown): Promise<{ ok: true }> {
  const { tabId } = OffscreenStopSchema.parse(message);
  const capture = captures.get(tabId);
  captures.delete(tabId);
  await capture?.stop();
  return { ok: true };
}

async function updateFilter(message: unknown): Promise<{ ok: true }> {
  const { tabId, filter } = OffscreenFilterSchema.parse(message);
  captures.get(tabId)?.setFilter(filter);
  return { ok: true };
}

async function updateLanguages(message: unknown): Promise<{ ok: true }> {
  const { tabId, languages } = OffscreenLanguagesSchema.parse(message);
  captures.get(tabId)?.setLanguages(languages);
  return { ok: true };
}

async function muteAhead(message: unknown): Promise<{ ok: true }> {
  const { tabId, spans, replace } = OffscreenMuteSchema.parse(message);
  captures.get(tabId)?.muteAhead(spans, replace === true);
  return { ok: true };
}

async function outputLevels(message: unknown): Promise<OutputLevels> {
  const { tabId } = OutputLevelsRequestSchema.parse(message);
  return captures.get(tabId)?.outputLevels() ?? NOTHING_PLAYED;
}

const HANDLERS: Record<string, (message: unknown) => Promise<unknown>> = {
  'earshot/offscreen-start': startCapture,
  'earshot/offscreen-stop': stopCapture,
  'earshot/offscreen-filter': updateFilter,
  'earshot/offscreen-languages': updateLanguages,
  'earshot/offscreen-mute': muteAhead,
  'earshot/output-levels': outputLevels,
};

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

const extensionOrigin = new URL(browser.runtime.getURL('/')).origin;

browser.runtime.onMessage.addListener((message: { type?: unknown }, sender, sendResponse) => {
  // Content scripts reach every extension page too; only the extension's own pages command captures.
  if (sender.id !== browser.runtime.id || !sender.url?.startsWith(`${extensionOrigin}/`)) return false;
  const handler = typeof message?.type === 'string' ? HANDLERS[message.type] : undefined;
  if (!handler) return false;
  handler(message).then(sendResponse, (error: unknown) =>
    sendResponse({ ok: false, error: errorText(error) }),
  );
  return true;
});
