import {
  CaptionsUpdateSchema,
  type CaptureCommandReply,
  CaptureCommandSchema,
  CaptureStatusReportSchema,
} from '@earshot/shared';
import { browser, defineBackground } from '#imports';
import {
  applyStatusReport,
  handleTabUrlChange,
  relayCaptions,
  startCapture,
  stopCapture,
} from '../lib/background/capture-controller';

export default defineBackground(() => {
  const extensionOrigin = new URL(browser.runtime.getURL('/')).origin;

  browser.runtime.onMessage.addListener((message: { type?: unknown }, sender, sendResponse) => {
    // Only the extension's own pages (popup, offscreen, tests' extension pages) talk to the
    // background; content scripts run on web pages and must not start captures.
    const fromExtensionPage =
      sender.id === browser.runtime.id && sender.url?.startsWith(`${extensionOrigin}/`);
    if (!fromExtensionPage) return false;
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
      default:
        return false;
    }
  });

  browser.tabs.onRemoved.addListener((tabId) => void stopCapture(tabId, true));
  browser.tabs.onUpdated.addListener((tabId, changeInfo) => {
    if (changeInfo.url) void handleTabUrlChange(tabId, changeInfo.url);
  });
});
