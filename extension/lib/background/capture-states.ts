import type { TabCaptureState } from '@earshot/shared';
import { browser } from '#imports';
import { capturedPagesItem, captureStatesItem } from '../storage-items';

/** States that hold a live media stream in the offscreen document. */
export function isActive(state: TabCaptureState | undefined): boolean {
  return state?.status === 'starting' || state?.status === 'live' || state?.status === 'backend_offline';
}

let pending: Promise<unknown> = Promise.resolve();

/**
 * Read-modify-write of one tab's state, serialised so concurrent events (status reports, tab
 * closing, commands) never overwrite each other. `update` returns undefined to forget the tab.
 */
export function updateCaptureState(
  tabId: number,
  update: (previous: TabCaptureState | undefined) => TabCaptureState | undefined,
): Promise<TabCaptureState | undefined> {
  const run = pending.then(async () => {
    const states = await captureStatesItem.getValue();
    const next = update(states[tabId]);
    if (next) states[tabId] = next;
    else delete states[tabId];
    await captureStatesItem.setValue(states);
    return next;
  });
  pending = run.catch(() => undefined);
  return run;
}

export async function getCaptureState(tabId: number): Promise<TabCaptureState | undefined> {
  await pending;
  return (await captureStatesItem.getValue())[tabId];
}

export async function activeTabIds(): Promise<number[]> {
  await pending;
  return Object.values(await captureStatesItem.getValue())
    .filter(isActive)
    .map((state) => state.tabId);
}

/** Sends every running capture a command made for its own page (a setting it follows changed). */
export async function sendToEachCapture(
  commandFor: (tabId: number, pageUrl: string | undefined) => Promise<unknown>,
): Promise<void> {
  const pages = await capturedPagesItem.getValue();
  for (const tabId of await activeTabIds()) {
    await browser.runtime.sendMessage(await commandFor(tabId, pages[tabId])).catch(() => undefined);
  }
}
