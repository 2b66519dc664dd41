import {
  type CaptionsUpdate,
  type CaptureStatusReport,
  OffscreenStartSchema,
  OffscreenStopSchema,
  type TabCaptureState,
} from '@earshot/shared';
import { browser } from '#imports';
import { TabCapture } from '../../lib/offscreen/tab-capture';

// The one offscreen document: it holds the media streams of every captured tab.
const captures = new Map<number, TabCapture>();

function report(state: TabCaptureState): void {
  const message: CaptureStatusReport = { type: 'earshot/capture-status', ...state };
  void browser.runtime.sendMessage(message).catch(() => undefined);
}

function relay(update: CaptionsUpdate): void {
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}

browser.runtime.onMessage.addListener((message: { type?: unknown }, _sender, sendResponse) => {
  const handler =
    message?.type === 'earshot/offscreen-start'
      ? startCapture
      : message?.type === 'earshot/offscreen-stop'
        ? stopCapture
        : undefined;
  if (!handler) return false;
  handler(message).then(sendResponse, (error: unknown) =>
    sendResponse({ ok: false, error: errorText(error) }),
  );
  return true;
});
