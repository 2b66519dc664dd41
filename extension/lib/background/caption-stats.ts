import type { CaptionStatsReport } from '@earshot/shared';
import { captionStatsItem } from '../storage-items';
import { getCaptureState, isActive } from './capture-states';

/** Keeps a running capture's latest caption figures for the popup. */
export async function recordCaptionStats(report: CaptionStatsReport): Promise<void> {
  if (!isActive(await getCaptureState(report.tabId))) return;
  const { type: _type, tabId, ...stats } = report;
  await captionStatsItem.setValue({ ...(await captionStatsItem.getValue()), [tabId]: stats });
}

/** A new capture starts without the figures of the one before. */
export async function resetCaptionStats(tabId: number): Promise<void> {
  const { [tabId]: _previous, ...rest } = await captionStatsItem.getValue();
  await captionStatsItem.setValue(rest);
}
