import { describe, expect, it } from 'vitest';
import type { RecognizedWord } from '../../src/engine/types';
import { StreamingTranscriber, type WindowRecognizer } from '../../src/streaming/streaming-transcriber';

const RATE = 16_000;

interface SpokenWord {
  word: string;
  start: number;
  end: number;
}

/** A spoken passage: `count` words of 0.3 s, each followed by 0.15 s of silence, with a pause in the middle. */
function passage(count: number): SpokenWord[] {
  const words: SpokenWord[] = [];
  let t = 0.4;
  for (let i = 0; i < count; i++) {
    words.push({ word: `w${i}`, start: t, end: t + 0.3 });
    t += i === Math.floor(count / 2) ? 3 : 0.45;
  }
  return words;
}

/**
 * A scripted stand-in for the model that knows the truth: the audio carries its own absolute sample
 * index as sample values, so the script can tell which stretch of the recording a window covers and
 * answer with the words fully inside it, times relative to the window, with a little jitter.
 */
function scriptedRecognizer(
  truth: readonly SpokenWord[],
  calls: { first: number; seconds: number }[],
): WindowRecognizer {
  let call = 0;
  return async (samples) => {
    const first = samples[0] ?? 0;
    const from = first / RATE;
    const to = (first + samples.length) / RATE;
    calls.push({ first, seconds: samples.length / RATE });
    const jitter = (call++ % 2) * 0.04;
    return truth
      .filter((t) => t.start >= from - 1e-6 && t.end <= to)
      .map(
        (t): RecognizedWord => ({
          word: t.word,
          start: t.start - from + jitter,
          end: t.end - from,
          confidence: 0.8,
        }),
      );
  };
}

function rampAudio(fromSample: number, count: number): Float32Array {
  const samples = new Float32Array(count);
  for (let i = 0; i < count; i++) samples[i] = fromSample + i;
  return samples;
}

async function streamPassage(
  truth: SpokenWord[],
  options: { chunkSeconds: number; maxWindowSeconds?: number },
) {
  const calls: { first: number; seconds: number }[] = [];
  const transcriber = new StreamingTranscriber('rec', scriptedRecognizer(truth, calls), {
    sampleRate: RATE,
    bufferSeconds: 60,
    minWindowSeconds: 0.3,
    agreement: {
      commitMarginSeconds: 0.5,
      startToleranceSeconds: 0.4,
      maxWindowSeconds: options.maxWindowSeconds ?? 15,
      silenceTailSeconds: 1,
    },
  });
  const total = Math.ceil(((truth.at(-1)?.end ?? 0) + 0.5) * RATE);
  const chunk = Math.round(options.chunkSeconds * RATE);
  const finals = [];
  const interims = [];
  for (let at = 0; at < total; at += chunk) {
    transcriber.append(rampAudio(at, Math.min(chunk, total - at)));
    const update = await transcriber.step({ final: false });
    finals.push(...update.finals);
    if (update.interim) interims.push(update.interim);
  }
  const last = await transcriber.step({ final: true });
  finals.push(...last.finals);
  return { finals, interims, last, calls };
}

describe('StreamingTranscriber', () => {
  it('streams a passage into final segments with every word exactly once, in order, at its time', async () => {
    const truth = passage(40);
    const { finals, last, calls } = await streamPassage(truth, { chunkSeconds: 1 });

    const words = finals.flatMap((s) => s.words);
    expect(words.map((x) => x.word)).toEqual(truth.map((t) => t.word));
    words.forEach((word, i) => {
      expect(word.end_seconds).toBeCloseTo(truth[i]?.end ?? -1, 2);
      expect(Math.abs(word.start_seconds - (truth[i]?.start ?? -1))).toBeLessThanOrEqual(0.05);
    });
    expect(last.interim).toBeNull();
    // Most words are committed while streaming, not only at the end.
    expect(finals.length).toBeGreaterThan(5);
    // The window stays short: committed audio is not decoded again and again.
    expect(Math.max(...calls.map((c) => c.seconds))).toBeLessThan(4);
  });

  it('gives final segments stable increasing ids and one interim id that is replaced', async () => {
    const { finals, interims } = await streamPassage(passage(12), { chunkSeconds: 1 });
    expect(finals.map((s) => s.id)).toEqual(finals.map((_s, i) => `rec-${i}`));
    expect(finals.every((s) => s.final)).toBe(true);
    expect(interims.length).toBeGreaterThan(0);
    expect(new Set(interims.map((s) => s.id))).toEqual(new Set(['rec-interim']));
    expect(interims.every((s) => !s.final)).toBe(true);
  });

  it('segments carry their words with times ordered and text matching the words', async () => {
    const { finals } = await streamPassage(passage(20), { chunkSeconds: 0.5 });
    let previousEnd = 0;
    for (const segment of finals) {
      expect(segment.text).toBe(segment.words.map((x) => x.word).join(' '));
      expect(segment.start_seconds).toBe(segment.words[0]?.start_seconds);
      expect(segment.end_seconds).toBe(segment.words.at(-1)?.end_seconds);
      expect(segment.start_seconds).toBeGreaterThanOrEqual(previousEnd - 0.05);
      previousEnd = segment.end_seconds;
    }
  });

  it('loses and doubles nothing when a long window is force-committed', async () => {
    const truth = passage(30);
    // Chunks of 3 s against a 2 s cap: every step is past the cap.
    const { finals } = await streamPassage(truth, { chunkSeconds: 3, maxWindowSeconds: 2 });
    expect(finals.flatMap((s) => s.words.map((x) => x.word))).toEqual(truth.map((t) => t.word));
  });
});
