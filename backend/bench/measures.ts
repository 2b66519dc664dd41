import type { Segment } from '@earshot/shared';
import { words as splitWords, wordErrorRate } from '../src/transcript/word-errors';
import type { Fixture, OfflineTranscript } from './fixtures';
import { type Spread, spread } from './stats';
import type { ResponseRecord } from './tab';
import type { PlannedChunk } from './webm-chunks';
import { firstCoveredAt, firstShownAt, latenciesMs, latencyPerWordMs, type ShownWord } from './word-latency';

/** What one simulated tab sent and got back. */
export interface TabOutcome {
  fixture: Fixture;
  offline: OfflineTranscript;
  chunks: readonly PlannedChunk[];
  captureStartMs: number;
  responses: ResponseRecord[];
}

export interface RunMeasures {
  /** Wall ms from a word's end being captured to its first appearance in any caption / in a final one. */
  wordToInterimMs: Spread;
  wordToFinalMs: Spread;
  /** The same, for each sentence's last word only: what a viewer waits for at the end of a sentence. */
  sentenceEndToInterimMs: Spread;
  /**
   * Wall ms from an offline word's end being captured to the first caption / final caption showing any
   * word within 0.5 s of it, whatever its text: latency of coverage, for models whose words do not
   * repeat between windows (the random-weight Parakeet twin), where word→interim has nothing to match.
   */
  coverToInterimMs: Spread;
  coverToFinalMs: Spread;
  /** Share of the offline transcript's words that were ever shown / shown as final (same word, same time). */
  shownShare: number;
  finalShare: number;
  /** Word error rate of the streamed finals against the offline transcript and the spoken text. */
  werVsOffline: number;
  werVsText: number;
  /** Wall ms from a chunk being handed over to its answer: the most over the run, at its end, over time. */
  lagMaxMs: number;
  lagEndMs: number;
  lagOverTime: { fromSecond: number; maxLagMs: number }[];
  /** The most audio the server said it had received but not yet recognized (null if it does not say). */
  serverLagMaxSeconds: number | null;
  /** Client-side stages: waiting for the timeslice to end, waiting behind the previous request, round trip. */
  stages: { captureWaitMs: Spread; clientQueueMs: Spread; roundTripMs: Spread };
  /** Per tab: the spoken text, the offline transcript and the streamed finals, to read what happened. */
  transcripts: { text: string; offline: string; streamed: string }[];
  requests: number;
  behindReplies: number;
  failedRequests: number;
  audioSeconds: number;
}

export const LAG_WINDOW_SECONDS = 5;

export function measureRun(tabs: readonly TabOutcome[]): RunMeasures {
  const interim: number[] = [];
  const final: number[] = [];
  const sentenceEnds: number[] = [];
  const coverInterim: number[] = [];
  const coverFinal: number[] = [];
  let referenceWords = 0;
  let shown = 0;
  let finalized = 0;
  let offlineEdits = 0;
  let offlineLength = 0;
  let textEdits = 0;
  let textLength = 0;
  const transcripts: RunMeasures['transcripts'] = [];
  for (const tab of tabs) {
    const reference = tab.offline.words;
    const views = tab.responses.map((r) => shownWords(r.segments, r.receivedAtMs));
    const finals = finalSegments(tab.responses);
    const finalAt = firstShownAt(reference, [finals.flatMap((f) => shownWords([f.segment], f.atMs))]);
    // A word on screen as final is on screen: the two alignments may pair a word differently.
    const shownAt = firstShownAt(reference, views).map((at, i) => earliest(at, finalAt[i] ?? null));
    const shownLatency = latencyPerWordMs(reference, shownAt, tab.captureStartMs);
    interim.push(...shownLatency.filter((ms): ms is number => ms !== null));
    for (const index of sentenceLastWords(tab)) {
      const ms = shownLatency[index];
      if (ms !== null && ms !== undefined) sentenceEnds.push(ms);
    }
    const finalView = [finals.flatMap((f) => shownWords([f.segment], f.atMs))];
    coverInterim.push(
      ...latenciesMs(reference, firstCoveredAt(reference, [...views, ...finalView]), tab.captureStartMs),
    );
    coverFinal.push(...latenciesMs(reference, firstCoveredAt(reference, finalView), tab.captureStartMs));
    final.push(...latenciesMs(reference, finalAt, tab.captureStartMs));
    referenceWords += reference.length;
    shown += shownAt.filter((t) => t !== null).length;
    finalized += finalAt.filter((t) => t !== null).length;
    const streamed = finals.map((f) => f.segment.text).join(' ');
    transcripts.push({ text: tab.fixture.text, offline: tab.offline.text, streamed });
    const offlineCount = splitWords(tab.offline.text).length;
    offlineEdits += wordErrorRate(tab.offline.text, streamed) * Math.max(1, offlineCount);
    offlineLength += Math.max(1, offlineCount);
    const textCount = splitWords(tab.fixture.text).length;
    textEdits += wordErrorRate(tab.fixture.text, streamed) * textCount;
    textLength += textCount;
  }
  const responses = tabs.flatMap((t) => t.responses);
  const lags = responses.map((r) => ({ at: r.capturedSeconds, lag: r.receivedAtMs - r.emittedAtMs }));
  const duration = Math.max(0, ...tabs.map((t) => t.fixture.durationSeconds));
  const serverLag = responses.flatMap((r) => (r.serverLagSeconds === null ? [] : [r.serverLagSeconds]));
  return {
    wordToInterimMs: spread(interim),
    wordToFinalMs: spread(final),
    sentenceEndToInterimMs: spread(sentenceEnds),
    coverToInterimMs: spread(coverInterim),
    coverToFinalMs: spread(coverFinal),
    shownShare: shown / Math.max(1, referenceWords),
    finalShare: finalized / Math.max(1, referenceWords),
    werVsOffline: offlineEdits / Math.max(1, offlineLength),
    werVsText: textEdits / Math.max(1, textLength),
    lagMaxMs: Math.max(0, ...lags.map((l) => l.lag)),
    lagEndMs: Math.max(0, ...lags.filter((l) => l.at >= duration - LAG_WINDOW_SECONDS).map((l) => l.lag)),
    lagOverTime: lagOverTime(lags),
    serverLagMaxSeconds: serverLag.length === 0 ? null : Math.max(...serverLag),
    stages: {
      captureWaitMs: spread(tabs.flatMap(captureWaits)),
      clientQueueMs: spread(responses.map((r) => r.sentAtMs - r.emittedAtMs)),
      roundTripMs: spread(responses.map((r) => r.receivedAtMs - r.sentAtMs)),
    },
    transcripts,
    requests: responses.length,
    behindReplies: responses.filter((r) => r.behind).length,
    failedRequests: responses.filter((r) => r.status !== 200).length,
    audioSeconds: tabs.reduce((sum, t) => sum + t.fixture.durationSeconds, 0),
  };
}

/** Index in the offline transcript of each spoken sentence's last word (sentences it heard no word of are left out). */
function sentenceLastWords(tab: TabOutcome): number[] {
  const words = tab.offline.words;
  return tab.fixture.sentences.flatMap((sentence) => {
    let last = -1;
    words.forEach((w, i) => {
      const middle = (w.start + w.end) / 2;
      if (middle >= sentence.start && middle <= sentence.end) last = i;
    });
    return last < 0 ? [] : [last];
  });
}

function earliest(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function shownWords(segments: readonly Segment[], atMs: number): ShownWord[] {
  return segments.flatMap((s) =>
    s.words.map((w) => ({ word: w.word, start: w.start_seconds, end: w.end_seconds, shownAtMs: atMs })),
  );
}

/** Final segments as the client keeps them: each id once, from the response that first carried it. */
function finalSegments(responses: readonly ResponseRecord[]): { segment: Segment; atMs: number }[] {
  const seen = new Map<string, { segment: Segment; atMs: number }>();
  for (const response of responses) {
    for (const segment of response.segments) {
      if (segment.final && !seen.has(segment.id))
        seen.set(segment.id, { segment, atMs: response.receivedAtMs });
    }
  }
  return [...seen.values()];
}

/** For every offline word, how long after its end the recorder handed over the chunk holding it. */
function captureWaits(tab: TabOutcome): number[] {
  return tab.offline.words.flatMap((word) => {
    const chunk = tab.chunks.find((c) => c.emitAt >= word.end);
    return chunk ? [(chunk.emitAt - word.end) * 1000] : [];
  });
}

function lagOverTime(
  lags: readonly { at: number; lag: number }[],
): { fromSecond: number; maxLagMs: number }[] {
  const windows = new Map<number, number>();
  for (const { at, lag } of lags) {
    const from = Math.floor(at / LAG_WINDOW_SECONDS) * LAG_WINDOW_SECONDS;
    windows.set(from, Math.max(windows.get(from) ?? 0, lag));
  }
  return [...windows.entries()]
    .sort(([a], [b]) => a - b)
    .map(([fromSecond, maxLagMs]) => ({ fromSecond, maxLagMs }));
}
