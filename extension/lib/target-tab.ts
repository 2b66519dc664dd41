import { browser } from '#imports';

/** The tab an extension page is opened for with `?tabId=` (tests, a page opened for one tab). */
export function requestedTabId(): number | undefined {
  const requested = new URLSearchParams(location.search).get('tabId');
  return requested && /^\d+$/.test(requested) ? Number(requested) : undefined;
}

/** The tab a popup or side panel acts on: the requested one, else the window's active tab. */
export async function targetTabId(): Promise<number | undefined> {
  const requested = requestedTabId();
  if (requested !== undefined) return requested;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}
