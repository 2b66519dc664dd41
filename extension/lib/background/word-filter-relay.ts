import {
  type FilterStatsReport,
  filterEnabledOn,
  type MuteAhead,
  type OffscreenFilter,
  type OffscreenMute,
  type WordFilterSettings,
} from '@earshot/shared';
import { browser } from '#imports';
import { hostnameOf } from '../page-host';
import { filterStatsItem, getWordFilterSettings, wordFilterItem } from '../storage-items';
import { getCaptureState, isActive, sendToEachCapture } from './capture-states';

/** The filter settings as they apply to a page: switched off where the user turned the filter off. */
export async function filterForPage(url: string | undefined): Promise<WordFilterSettings> {
  const settings = await getWordFilterSettings();
  return { ...settings, enabled: filterEnabledOn(settings, hostnameOf(url)) };
}

/** Sends changed settings to every running capture, each for its own page. */
export function followFilterSettings(): void {
  wordFilterItem.watch(() =>
    sendToEachCapture(
      async (tabId, page): Promise<OffscreenFilter> => ({
        type: 'earshot/offscreen-filter',
        tabId,
        filter: await filterForPage(page),
      }),
    ),
  );
}

export async function resetFilterStats(tabId: number): Promise<void> {
  const { [tabId]: _previous, ...rest } = await filterStatsItem.getValue();
  await filterStatsItem.setValue(rest);
}

export async function recordFilterStats(report: FilterStatsReport): Promise<void> {
  if (!isActive(await getCaptureState(report.tabId))) return;
  const stats = await filterStatsItem.getValue();
  const { filteredWords, latencySeconds } = report;
  await filterStatsItem.setValue({
    ...stats,
    [report.tabId]: latencySeconds === undefined ? { filteredWords } : { filteredWords, latencySeconds },
  });
}

/** Hands a tab's ahead-of-time silences to the offscreen document, when that tab is captured. */
export async function relayMuteAhead(tabId: number, request: MuteAhead): Promise<void> {
  if (!isActive(await getCaptureState(tabId))) return;
  const command: OffscreenMute = { ...request, type: 'earshot/offscreen-mute', tabId };
  await browser.runtime.sendMessage(command).catch(() => undefined);
}
