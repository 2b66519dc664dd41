import type { Segment } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { measureRun, type TabOutcome } from '../../bench/measures';
import type { ResponseRecord } from '../../bench/tab';

const START = 50_000;

function segment(id: string, final: boolean, words: [string, number, number][]): Segment {
  return {
    id,
    text: words.map(([w]) => w).join(' '),
    start_seconds: words[0]?.[1] ?? 0,
    end_seconds: words.at(-1)?.[2] ?? 0,
    confidence: 0.9,
    final,
    words: words.map(([word, start_seconds, end_seconds]) => ({
      word,
      start_seconds,
      end_seconds,
      confidence: 0.9,
    })),
  };
}

function response(seq: number, emitAt: number, replyAfterMs: number, segments: Segment[], behind = false) {
  const emittedAtMs = START + emitAt * 1000;
  return {
    seq,
    emittedAtMs,
    sentAtMs: emittedAtMs,
    receivedAtMs: emittedAtMs + replyAfterMs,
    capturedSeconds: emitAt,
    status: 200,
    segments,
    behind,
    serverLagSeconds: null,
    error: null,
  } satisfies ResponseRecord;
}

/** "we go home" spoken 0.2–0.5, 0.7–1.0, 1.6–2.0 s; chunks handed over every second. */
function tab(responses: ResponseRecord[]): TabOutcome {
  return {
    fixture: {
      id: 'f',
      webm: Buffer.alloc(0),
      packets: [],
      durationSeconds: 3,
      text: 'we go home',
      sentences: [],
    },
    offline: {
      text: 'we go home',
      words: [
        { word: 'we', start: 0.2, end: 0.5 },
        { word: 'go', start: 0.7, end: 1.0 },
        { word: 'home', start: 1.6, end: 2.0 },
      ],
    },
    chunks: [1, 2, 3].map((emitAt, i) => ({ from: i, to: i + 1, emitAt, final: emitAt === 3 })),
    captureStartMs: START,
    responses,
  };
}

describe('measuring what a tab saw', () => {
  const we = segment('r-0', true, [['we', 0.2, 0.5]]);
  const outcome = tab([
    response(0, 1, 100, [
      segment('r-interim', false, [
        ['we', 0.2, 0.5],
        ['go', 0.7, 1.0],
      ]),
    ]),
    response(
      1,
      2,
      300,
      [
        we,
        segment('r-interim', false, [
          ['go', 0.7, 1.0],
          ['hum', 1.6, 2.0],
        ]),
      ],
      true,
    ),
    // A repeated final segment is one caption, first shown with the response that brought it.
    response(2, 3, 200, [
      we,
      segment('r-1', true, [
        ['go', 0.7, 1.0],
        ['home', 1.6, 2.0],
      ]),
    ]),
  ]);
  const measures = measureRun([outcome]);

  it('times each word from its capture to its first interim and its first final appearance', () => {
    // we (ends 0.5 s): shown at 1.1 s, final at 2.3 s; go (1.0 s): 1.1 s / 3.2 s; home (2.0 s): 'hum' at
    // 2.3 s is not it, so first shown when final at 3.2 s.
    expect(measures.wordToInterimMs.count).toBe(3);
    expect(measures.wordToInterimMs.p50).toBeCloseTo(600);
    expect(measures.wordToInterimMs.max).toBeCloseTo(1200);
    expect(measures.wordToFinalMs.count).toBe(3);
    expect(measures.wordToFinalMs.p50).toBeCloseTo(1800);
    expect(measures.wordToFinalMs.max).toBeCloseTo(2200);
    expect(measures.shownShare).toBe(1);
    expect(measures.finalShare).toBe(1);
  });

  it('times coverage by any word near each word, whatever its text', () => {
    // home (ends 2.0 s): 'hum' at the same time covers it from 2.3 s, so 300 ms, not 1,200 ms.
    expect(measures.coverToInterimMs.count).toBe(3);
    expect(measures.coverToInterimMs.max).toBeCloseTo(600);
    // go (middle 0.85 s) lies within 0.5 s of the final 'we' (2.3 s): covered 1.3 s after its end.
    expect(measures.coverToFinalMs.max).toBeCloseTo(1800);
  });

  it('scores the finals, each once, against the offline transcript and the spoken text', () => {
    expect(measures.transcripts[0]?.streamed).toBe('we go home');
    expect(measures.werVsOffline).toBe(0);
    expect(measures.werVsText).toBe(0);
  });

  it('reports lag, behind replies and requests', () => {
    expect(measures.lagMaxMs).toBe(300);
    expect(measures.requests).toBe(3);
    expect(measures.behindReplies).toBe(1);
    expect(measures.failedRequests).toBe(0);
    expect(measures.lagOverTime.map((w) => w.maxLagMs)).toEqual([300]);
  });
});
