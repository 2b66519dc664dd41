import type { Segment } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { type Infer, RecordingPipeline } from '../../src/sessions/recording-pipeline';
import type { TranscriptUpdate } from '../../src/sessions/transcript-outbox';

const RATE = 16_000;
const CHUNK = RATE / 4;

interface SpokenWord {
  word: string;
  start: number;
  end: number;
}

/** Words of 0.3 s with 0.15 s between them, from 0.4 s. */
const TRUTH: SpokenWord[] = Array.from({ length: 14 }, (_, i) => ({
  word: `word${i}`,
  start: 0.4 + i * 0.45,
  end: 0.7 + i * 0.45,
}));
const SPOKEN_SECONDS = (TRUTH.at(-1)?.end ?? 0) + 1;

/** The fast model gets every third word wrong. */
const fastSpelling = (word: string, i: number) => (i % 3 === 1 ? `${word}x` : word);

/**
 * A scripted model that knows the truth: the audio carries its own absolute sample index as sample
 * values, so the script can tell which stretch of the recording a window covers and answer with the
 * words fully inside it, in its own spelling, timed from the window's start.
 */
function scriptedModel(spell: (word: string, i: number) => string, calls: { from: number; to: number }[]) {
  return async (samples: Float32Array) => {
    const from = (samples[0] ?? 0) / RATE;
    const to = from + samples.length / RATE;
    calls.push({ from, to });
    const words = TRUTH.flatMap((t, i) =>
      t.start >= from - 1e-6 && t.end <= to
        ? [{ word: spell(t.word, i), start: t.start - from, end: t.end - from, confidence: 0.9 }]
        : [],
    );
    return {
      status: 'recognized' as const,
      result: { text: words.map((w) => w.word).join(' '), tokens: [], words },
    };
  };
}

/** A promise the test settles by hand. */
function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

function pair(options: { fast: Infer; quality: Infer; maxPendingSeconds?: number; behind?: () => boolean }) {
  return new RecordingPipeline({
    key: 'k',
    recordingId: 'rec',
    infer: options.fast,
    bufferSeconds: 60,
    maxLagSeconds: 100,
    observer: {},
    quality: {
      infer: options.quality,
      maxPendingSeconds: options.maxPendingSeconds ?? 30,
      ...(options.behind ? { behind: options.behind } : {}),
    },
  });
}

function ramp(from: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => from + i);
}

/** What a client shows: finals by id (checked never to change) and the latest interim. */
class Screen {
  readonly finals = new Map<string, Segment>();
  readonly interims: string[] = [];
  interim: Segment | null = null;

  show(update: TranscriptUpdate): void {
    for (const f of update.finals) {
      expect(this.finals.has(f.id), `final ${f.id} sent twice`).toBe(false);
      this.finals.set(f.id, f);
    }
    this.interim = update.interim;
    if (update.interim) this.interims.push(update.interim.text);
  }

  get text(): string {
    return [...[...this.finals.values()].map((f) => f.text), this.interim?.text ?? ''].join(' ').trim();
  }

  get finalText(): string {
    return [...this.finals.values()].map((f) => f.text).join(' ');
  }
}

/**
 * Streams the whole recording into the pipeline chunk by chunk, recognizing after each and letting the
 * quality model's work settle, then finishes it; `beforeChunk` sees each chunk's first sample.
 */
async function playToScreen(
  pipeline: RecordingPipeline,
  beforeChunk?: (at: number) => void,
): Promise<Screen> {
  const screen = new Screen();
  for (let at = 0; at < SPOKEN_SECONDS * RATE; at += CHUNK) {
    beforeChunk?.(at);
    pipeline.append(ramp(at, CHUNK));
    await pipeline.recognize();
    await settle();
    screen.show(pipeline.take());
  }
  await pipeline.finish();
  screen.show(pipeline.take());
  return screen;
}

describe('finals from a quality model, interims from a fast one', () => {
  it("makes every stretch final in the quality model's words, once and in order, with the fast words as interims", async () => {
    const fastCalls: { from: number; to: number }[] = [];
    const qualityCalls: { from: number; to: number }[] = [];
    const fast = scriptedModel(fastSpelling, fastCalls);
    const quality = scriptedModel((w) => w, qualityCalls);
    const pipeline = pair({
      fast: ({ samples }) => fast(samples),
      quality: ({ samples }) => quality(samples),
    });
    const screen = await playToScreen(pipeline);

    expect(screen.finalText).toBe(TRUTH.map((t) => t.word).join(' '));
    expect(screen.interim).toBeNull();
    // Stretches went to the quality model while the recording was still going, not only at its end.
    expect(qualityCalls.length).toBeGreaterThan(2);
    expect(screen.interims.some((text) => text.includes('word1x'))).toBe(true);
    // The quality model decodes only committed stretches (with a little context), not the whole recording.
    const qualitySeconds = qualityCalls.reduce((sum, c) => sum + (c.to - c.from), 0);
    expect(qualitySeconds).toBeLessThan(SPOKEN_SECONDS * 1.6);
  });

  it('hands out a final while the fast model is still busy', async () => {
    const fast = scriptedModel(fastSpelling, []);
    const quality = scriptedModel((w) => w, []);
    let fastGate: Promise<void> | null = null;
    const pipeline = pair({
      fast: async ({ samples }) => {
        if (fastGate) await fastGate;
        return fast(samples);
      },
      quality: ({ samples }) => quality(samples),
    });
    const screen = new Screen();
    // A second of audio at a time, so that every piece makes a recognition of the fast model due.
    const piece = 4 * CHUNK;
    let at = 0;
    while (screen.finals.size === 0 && at < SPOKEN_SECONDS * RATE) {
      pipeline.append(ramp(at, piece));
      at += piece;
      // The fast model is held from here on: a final may only come from the quality model.
      const held = gate();
      fastGate = held.opened;
      const recognition = pipeline.recognize();
      await settle();
      screen.show(pipeline.take());
      if (screen.finals.size > 0) {
        expect(pipeline.recognizing).toBe(true);
      }
      held.open();
      fastGate = null;
      await recognition;
    }
    expect(screen.finals.size).toBeGreaterThan(0);
  });

  it('keeps interims coming while the quality model is busy, and replaces them by the final once, without flicker', async () => {
    const fast = scriptedModel(fastSpelling, []);
    const quality = scriptedModel((w) => w, []);
    const qualityHeld = gate();
    const pipeline = pair({
      fast: ({ samples }) => fast(samples),
      quality: async ({ samples }) => {
        await qualityHeld.opened;
        return quality(samples);
      },
    });
    const screen = new Screen();
    const half = Math.round((SPOKEN_SECONDS * RATE) / 2 / CHUNK) * CHUNK;
    for (let at = 0; at < half; at += CHUNK) {
      pipeline.append(ramp(at, CHUNK));
      await pipeline.recognize();
      screen.show(pipeline.take());
    }
    // No final yet, but the fast words of the committed stretches and of the open tail are all shown.
    expect(screen.finals.size).toBe(0);
    const heard = TRUTH.filter((t) => t.end < half / RATE - 0.5).map((t, i) => fastSpelling(t.word, i));
    expect(screen.interim?.text.startsWith(heard.join(' '))).toBe(true);

    qualityHeld.open();
    await settle();
    screen.show(pipeline.take());
    expect(screen.finals.size).toBeGreaterThan(0);
    const finalWords = screen.finalText.split(' ');
    expect(finalWords).toEqual(TRUTH.slice(0, finalWords.length).map((t) => t.word));
    // The interim now starts after the finals: none of the stretch's fast words come back.
    expect(screen.interim?.words[0]?.start_seconds ?? Number.POSITIVE_INFINITY).toBeGreaterThan(
      [...screen.finals.values()].at(-1)?.end_seconds ?? 0,
    );
    expect(screen.text).not.toContain('word1x');
  });

  it('keeps the fast words for new stretches once too much audio waits for the quality model', async () => {
    const fast = scriptedModel(fastSpelling, []);
    const qualityCalls: { from: number; to: number }[] = [];
    const quality = scriptedModel((w) => w, qualityCalls);
    const qualityHeld = gate();
    const pipeline = pair({
      fast: ({ samples }) => fast(samples),
      quality: async ({ samples }) => {
        await qualityHeld.opened;
        return quality(samples);
      },
      maxPendingSeconds: 1,
    });
    const screen = new Screen();
    for (let at = 0; at < SPOKEN_SECONDS * RATE; at += CHUNK) {
      pipeline.append(ramp(at, CHUNK));
      await pipeline.recognize();
      screen.show(pipeline.take());
    }
    const stuck = qualityCalls.length;
    expect(stuck).toBeLessThanOrEqual(2);
    qualityHeld.open();
    await pipeline.finish();
    screen.show(pipeline.take());
    // Every word arrives exactly once; the stretches past the bound keep the fast spelling.
    expect(screen.finalText.replace(/x/g, '')).toBe(TRUTH.map((t) => t.word).join(' '));
    expect(screen.finalText).toContain('x');
  });

  it("keeps the fast words while the quality model's queue is behind for all its recordings, and uses it again once it caught up", async () => {
    const fast = scriptedModel(fastSpelling, []);
    const qualityCalls: { from: number; to: number }[] = [];
    const quality = scriptedModel((w) => w, qualityCalls);
    let behind = true;
    const pipeline = pair({
      fast: ({ samples }) => fast(samples),
      quality: ({ samples }) => quality(samples),
      behind: () => behind,
    });
    const half = Math.round((SPOKEN_SECONDS * RATE) / 2 / CHUNK) * CHUNK;
    const screen = await playToScreen(pipeline, (at) => {
      if (at === half) behind = false;
    });
    // Every word once; the first half in the fast spelling, the quality model decoding only the rest
    // (from the first stretch committed after the switch: the fast model's steps come every second
    // and commit what two of them agree on, so that stretch starts up to 3 s before the switch).
    expect(screen.finalText.replace(/x/g, '')).toBe(TRUTH.map((t) => t.word).join(' '));
    expect(screen.finalText.split(' ').slice(0, 3)).toEqual(['word0', 'word1x', 'word2']);
    expect(qualityCalls.length).toBeGreaterThan(0);
    expect(Math.min(...qualityCalls.map((c) => c.from))).toBeGreaterThan(half / RATE - 3);
    // word10 (said at 4.9 s, after the queue caught up) is the quality model's spelling, not word10x.
    expect(screen.finalText.split(' ')[10]).toBe('word10');
  });
});
