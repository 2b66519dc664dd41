import {
  CaptionStatsReportSchema,
  CaptionsUpdateSchema,
  type CaptureCommandReply,
  CaptureCommandSchema,
  CaptureStatusReportSchema,
  FilterStatsReportSchema,
  MediaStateSchema,
  MuteAheadSchema,
  type TranscriptChanged,
  TranscriptGetSchema,
  TranscriptPutSchema,
} from '@earshot/shared';
import { browser, defineBackground } from '#imports';
import { recordCaptionStats } from '../lib/background/caption-stats';
import {
  applyStatusReport,
  handleInPageNavigation,
  handlePageLoad,
  relayCaptions,
  startCapture,
  stopCapture,
  toggleCapture,
} from '../lib/background/capture-controller';
import { followCaptionLanguages } from '../lib/background/language-relay';
import { forgetFrame, forgetTabFrames, recordFrameMedia } from '../lib/background/media-frames';
import { followFilterSettings, recordFilterStats, relayMuteAhead } from '../lib/background/word-filter-relay';
import { addToTranscript, getTranscript } from '../lib/transcript/transcript-store';

type SendResponse = (response: unknown) => void;

/** Messages from the content script of a tab's frame: only about that tab's own video. */
function onContentMessage(
  message: { type?: unknown },
  tabId: number,
  frameId: number,
  sendResponse: SendResponse,
): boolean {
  switch (message?.type) {
    case 'earshot/media-state': {
      const parsed = MediaStateSchema.safeParse(message);
      if (parsed.success) {
        const { playing, startedAtMs } = parsed.data;
        void recordFrameMedia(tabId, frameId, { playing, startedAtMs });
      }
      return false;
    }
    case 'earshot/mute-ahead': {
      const parsed = MuteAheadSchema.safeParse(message);
      if (parsed.success) void relayMuteAhead(tabId, parsed.data);
      return false;
    }
    case 'earshot/transcript-put': {
      const parsed = TranscriptPutSchema.safeParse(message);
      if (parsed.success) {
        const { videoKey, title, cues, heardBlockedWords } = parsed.data;
        void addToTranscript(videoKey, title, cues, heardBlockedWords).then(
          () => {
            const changed: TranscriptChanged = { type: 'earshot/transcript-changed', videoKey };
            // The side panel, when open, shows the new lines.
            return browser.runtime.sendMessage(changed).catch(() => undefined);
          },
          () => undefined,
        );
      }
      return false;
    }
    case 'earshot/transcript-get': {
      const parsed = TranscriptGetSchema.safeParse(message);
      if (!parsed.success) return false;
      getTranscript(parsed.data.videoKey).then(
        (transcript) =>
          sendResponse(
            transcript && { cues: transcript.cues, heardBlockedWords: transcript.heardBlockedWords ?? [] },
          ),
        () => sendResponse(undefined),
      );
      return true;
    }
    default:
      return false;
  }
}

export default defineBackground(() => {
  const extensionOrigin = new URL(browser.runtime.getURL('/')).origin;
  followFilterSettings();
  followCaptionLanguages();

  browser.runtime.onMessage.addListener((message: { type?: unknown }, sender, sendResponse) => {
    if (sender.id !== browser.runtime.id) return false;
    // Only the extension's own pages (popup, offscreen, tests' extension pages) start captures;
    // content scripts run on web pages and may only speak for their own tab.
    const fromExtensionPage = sender.url?.startsWith(`${extensionOrigin}/`);
    if (!fromExtensionPage) {
      const tabId = sender.tab?.id;
      return tabId === undefined
        ? false
        : onContentMessage(message, tabId, sender.frameId ?? 0, sendResponse);
    }
    switch (message?.type) {
      case 'earshot/capture': {
        const parsed = CaptureCommandSchema.safeParse(message);
        if (!parsed.success) {
          sendResponse({ ok: false, error: `Invalid capture command: ${parsed.error.issues[0]?.message}` });
          return false;
        }
        const { action, tabId } = parsed.data;
        const run = action === 'start' ? startCapture(tabId) : stopCapture(tabId);
        run.then(
          (state) => sendResponse({ ok: true, state } satisfies CaptureCommandReply),
          (error: unknown) => sendResponse({ ok: false, error: String(error) } satisfies CaptureCommandReply),
        );
        return true;
      }
      case 'earshot/capture-status': {
        const parsed = CaptureStatusReportSchema.safeParse(message);
        if (parsed.success) void applyStatusReport(parsed.data);
        return false;
      }
      case 'earshot/captions': {
        const parsed = CaptionsUpdateSchema.safeParse(message);
        if (parsed.success) void relayCaptions(parsed.data);
        return false;
      }
      case 'earshot/caption-stats': {
        const parsed = CaptionStatsReportSchema.safeParse(message);
        if (parsed.success) void recordCaptionStats(parsed.data);
        return false;
      }
      case 'earshot/filter-stats': {
        const parsed = FilterStatsReportSchema.safeParse(message);
        if (parsed.success) void recordFilterStats(parsed.data);
        return false;
      }
      default:
        return false;
    }
  });

  browser.commands.onCommand.addListener(async (command, tab) => {
    if (command !== 'toggle-captions') return;
    const tabId = tab?.id ?? (await browser.tabs.query({ active: true, currentWindow: true }))[0]?.id;
    if (tabId !== undefined && tabId >= 0) await toggleCapture(tabId);
  });
  browser.tabs.onRemoved.addListener((tabId) => {
    void stopCapture(tabId, true);
    void forgetTabFrames(tabId);
  });
  // A new document in a frame: its media (and, for the top frame, its subframes) are gone.
  browser.webNavigation.onCommitted.addListener(({ tabId, frameId, url }) => {
    void forgetFrame(tabId, frameId);
    if (frameId === 0) void handlePageLoad(tabId, url);
  });
  browser.webNavigation.onHistoryStateUpdated.addListener(({ tabId, frameId, url }) => {
    if (frameId === 0) void handleInPageNavigation(tabId, url);
  });
});
