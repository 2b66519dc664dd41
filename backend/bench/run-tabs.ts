import type { Fixture, OfflineTranscript } from './fixtures';
import type { TabOutcome } from './measures';
import { cpuSecondsUsed, MemorySampler, proportionalBytes, residentBytes } from './process-usage';
import { type Histogram, histogramDelta, parseHistograms, scrapeMetrics } from './server-metrics';
import { runTab } from './tab';
import { planChunks } from './webm-chunks';

export interface TabInput {
  fixture: Fixture;
  offline: OfflineTranscript;
}

export interface TabsRunOptions {
  /** Names the run in recording ids. */
  label: string;
  baseUrl: string;
  tabs: number;
  inputs: readonly TabInput[];
  timesliceSeconds: number;
}

export interface TabsRun {
  outcomes: TabOutcome[];
  wallSeconds: number;
  /** Process CPU (server, recognizer, simulated tabs and the decoders that exited) during the run. */
  cpuSeconds: number;
  /** Resident memory before the run and at its peak (process plus live decoders). */
  baseRssBytes: number;
  peakRssBytes: number;
  /** The same in proportional memory (shared pages split among the processes sharing them). */
  basePssBytes: number;
  peakPssBytes: number;
  /** The server's own per-stage histograms for this run, or null without GET /metrics. */
  serverStages: Histogram[] | null;
}

/** Streams `tabs` recordings at once, each in real time, and records everything the tabs saw. */
export async function runTabs(options: TabsRunOptions): Promise<TabsRun> {
  const metricsBefore = await scrapeMetrics(options.baseUrl);
  const baseRssBytes = residentBytes();
  const basePssBytes = proportionalBytes();
  const cpuBefore = cpuSecondsUsed();
  const memory = new MemorySampler();
  const startedAt = Date.now();
  // Tabs do not start in lockstep: their timeslices end at different moments, as in a real browser.
  const stagger = (options.timesliceSeconds * 1000) / options.tabs;
  const firstCapture = startedAt + 200;
  const outcomes = await Promise.all(
    Array.from({ length: options.tabs }, async (_, i): Promise<TabOutcome> => {
      const input = options.inputs[i % options.inputs.length] as TabInput;
      const chunks = planChunks(
        input.fixture.webm.length,
        input.fixture.packets,
        options.timesliceSeconds,
        i + 1,
      );
      const captureStartMs = firstCapture + i * stagger;
      const responses = await runTab(options.baseUrl, {
        tabId: i,
        recordingId: `${options.label}-${i}`,
        webm: input.fixture.webm,
        chunks,
        captureStartMs,
      });
      return { ...input, chunks, captureStartMs, responses };
    }),
  );
  const wallSeconds = (Date.now() - startedAt) / 1000;
  // Decoders count towards CPU once they have exited; give the last ones a moment to be reaped.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const { peakBytes, peakProportionalBytes } = memory.stop();
  const cpuSeconds = cpuSecondsUsed() - cpuBefore;
  const metricsAfter = await scrapeMetrics(options.baseUrl);
  const serverStages =
    metricsBefore === null || metricsAfter === null
      ? null
      : histogramDelta(parseHistograms(metricsBefore), parseHistograms(metricsAfter));
  return {
    outcomes,
    wallSeconds,
    cpuSeconds,
    baseRssBytes,
    peakRssBytes: peakBytes,
    basePssBytes,
    peakPssBytes: peakProportionalBytes,
    serverStages,
  };
}
