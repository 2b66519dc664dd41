import type { Segment } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import type { RecognizedWord } from '../../src/engine/types';
import type { WindowRecognizer } from '../../src/streaming/live-transcriber';
import {
  DEFAULT_SPEECH_ACTIVITY_OPTIONS,
  SpeechActivity,
  type SpeechSpan,
} from '../../src/streaming/speech-activity';
import { StreamingTranscriber } from '../../src/streaming/streaming-transcriber';
import { ScriptedVoice } from './scripted-voice';

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
interface RecognizerCall {
  first: number;
  seconds: number;
  /** Seconds from the recording's start where the window begins and ends. */
  from: number;
  to: number;
}

function scriptedRecognizer(
  truth: readonly SpokenWord[],
  calls: RecognizerCall[],
  lateBy = 0,
): WindowRecognizer {
  let call = 0;
  return async (samples) => {
    const first = samples[0] ?? 0;
    const from = first / RATE;
    const to = (first + samples.length) / RATE;
    calls.push({ first, seconds: samples.length / RATE, from, to });
    const jitter = (call++ % 2) * 0.04;
    // A word is heard only with its onset; a transducer reports it `lateBy` after it was said.
    const words = truth
      .filter((t) => t.start >= from - 1e-6 && t.end + lateBy <= to)
      .map(
        (t): RecognizedWord => ({
          word: t.word,
          start: t.start - from + jitter + lateBy,
          end: t.end - from + lateBy,
          confidence: 0.8,
        }),
      );
    return { text: words.map((w) => w.word).join(' '), tokens: [], words };
  };
}

function rampAudio(fromSample: number, count: number): Float32Array {
  const samples = new Float32Array(count);
  for (let i = 0; i < count; i++) samples[i] = fromSample + i;
  return samples;
}

interface StreamOptions {
  chunkSeconds: number;
  maxWindowSeconds?: number;
  /** Where the voice is; with it the transcriber gets a speech detector. */
  voiced?: SpeechSpan[];
  /** What the recognizer hears, when it hears more than the truth (e.g. words in music). */
  heard?: SpokenWord[];
  /** Audio continues this long after the last word. */
  tailSeconds?: number;
  /** The recognizer reports words this late. */
  lateBy?: number;
  contextSeconds?: number;
}

async function streamPassage(truth: SpokenWord[], options: StreamOptions) {
  const calls: RecognizerCall[] = [];
  const recognizer = scriptedRecognizer(options.heard ?? truth, calls, options.lateBy);
  const transcriber = new StreamingTranscriber('rec', recognizer, {
    sampleRate: RATE,
    bufferSeconds: 60,
    minWindowSeconds: 0.3,
    contextSeconds: options.contextSeconds ?? 0,
    agreement: {
      commitMarginSeconds: 0.5,
      startToleranceSeconds: 0.4,
      maxWindowSeconds: options.maxWindowSeconds ?? 15,
      silenceTailSeconds: 1,
    },
    ...(options.voiced ? { speech: new SpeechActivity(new ScriptedVoice(options.voiced)) } : {}),
  });
  const total = Math.ceil(((truth.at(-1)?.end ?? 0) + (options.tailSeconds ?? 0.5)) * RATE);
  const chunk = Math.round(options.chunkSeconds * RATE);
  const finals = [];
  const interims = [];
  /** Seconds of audio received when each final segment was sent. */
  const finalAt = new Map<string, number>();
  for (let at = 0; at < total; at += chunk) {
    transcriber.append(rampAudio(at, Math.min(chunk, total - at)));
    const update = await transcriber.step({ final: false });
    for (const segment of update.finals) finalAt.set(segment.id, transcriber.audioSeconds);
    finals.push(...update.finals);
    if (update.interim) interims.push(update.interim);
  }
  const last = await transcriber.step({ final: true });
  finals.push(...last.finals);
  return { finals, interims, last, calls, finalAt };
}

/** Where the voice is in a passage: its words, joined across gaps shorter than `bridge`. */
function voicedSpans(words: readonly SpokenWord[], bridge = 0.25): SpeechSpan[] {
  const spans: SpeechSpan[] = [];
  for (const { start, end } of words) {
    const last = spans.at(-1);
    if (last && start - last.end < bridge) last.end = end;
    else spans.push({ start, end });
  }
  return spans;
}

/** Two passages of `count` words with `silence` seconds of silence (or music) between them. */
function twoPassages(count: number, silence: number): SpokenWord[] {
  const first = passage(count).filter((_w, i) => i <= count / 2);
  const shift = (first.at(-1)?.end ?? 0) + silence;
  const second = first.map((w, i) => ({ word: `v${i}`, start: w.start + shift, end: w.end + shift }));
  return [...first, ...second];
}

const words = (segments: readonly Segment[]) => segments.flatMap((s) => s.words.map((x) => x.word));

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

  it('hears the onset of the next word when the model times words late, and repeats none', async () => {
    const truth = passage(30);
    const { finals, calls } = await streamPassage(truth, {
      chunkSeconds: 1,
      lateBy: 0.2,
      contextSeconds: 0.5,
    });
    expect(words(finals)).toEqual(truth.map((t) => t.word));
    expect(Math.max(...calls.map((c) => c.seconds))).toBeLessThan(4.5);

    // Windows that start at the last committed word's reported end cut into the next word.
    const withoutContext = await streamPassage(truth, { chunkSeconds: 1, lateBy: 0.2 });
    expect(words(withoutContext.finals).length).toBeLessThan(truth.length);
  });

  it('loses and doubles nothing when a long window is force-committed', async () => {
    const truth = passage(30);
    // Chunks of 3 s against a 2 s cap: every step is past the cap.
    const { finals } = await streamPassage(truth, { chunkSeconds: 3, maxWindowSeconds: 2 });
    expect(finals.flatMap((s) => s.words.map((x) => x.word))).toEqual(truth.map((t) => t.word));
  });
});

describe('StreamingTranscriber with a speech detector', () => {
  const PAD = DEFAULT_SPEECH_ACTIVITY_OPTIONS.padSeconds;

  it('does not call the recognizer over a long silence, and starts the next window at the speech onset', async () => {
    const truth = twoPassages(8, 20);
    const voiced = voicedSpans(truth);
    const [firstVoice, secondVoice] = voiced;
    expect(voiced).toHaveLength(2);
    // The silence has a click every 2 s, too short to be speech, heard just before a step.
    const clicks = Array.from(
      { length: 9 },
      (_x, i) => Math.floor(firstVoice?.end ?? 0) + 2 * (i + 1) + 0.75,
    );
    const clickSpans = clicks.map((t) => ({ start: t, end: t + 0.1 }));
    const { finals, calls } = await streamPassage(truth, {
      chunkSeconds: 1,
      voiced: [...voiced, ...clickSpans],
    });

    expect(words(finals)).toEqual(truth.map((t) => t.word));
    for (const call of calls) {
      expect(voiced.some((v) => call.from < v.end + PAD && call.to > v.start - PAD)).toBe(true);
    }
    const duringSilence = calls.filter(
      (c) => c.to > (firstVoice?.end ?? 0) + 2 && c.to <= (secondVoice?.start ?? 0),
    );
    expect(duringSilence).toEqual([]);
    const afterSilence = calls.filter((c) => c.to > (secondVoice?.start ?? 0));
    expect(afterSilence.length).toBeGreaterThan(0);
    for (const call of afterSilence) {
      expect(call.from).toBeGreaterThanOrEqual((secondVoice?.start ?? 0) - PAD - 0.04);
    }

    // The same recording without a detector keeps sending the silence to the recognizer.
    const ungated = await streamPassage(truth, { chunkSeconds: 1 });
    expect(
      ungated.calls.filter((c) => c.to > (firstVoice?.end ?? 0) + 2 && c.to <= (secondVoice?.start ?? 0))
        .length,
    ).toBeGreaterThan(10);
  });

  it('makes the words before a pause final as soon as the pause is heard', async () => {
    const truth = twoPassages(8, 2);
    const lastBefore = truth.filter((t) => t.word.startsWith('w')).at(-1) as SpokenWord;
    const chunk = 1;
    // The first step whose audio holds the word and enough silence after it to be a pause.
    const pauseHeardAt =
      Math.ceil((lastBefore.end + DEFAULT_SPEECH_ACTIVITY_OPTIONS.minSilenceSeconds + 0.04) / chunk) * chunk;
    const finalAt = (run: Awaited<ReturnType<typeof streamPassage>>) =>
      run.finalAt.get(run.finals.find((s) => s.words.some((x) => x.word === lastBefore.word))?.id ?? '');

    const gated = await streamPassage(truth, { chunkSeconds: chunk, voiced: voicedSpans(truth) });
    expect(words(gated.finals)).toEqual(truth.map((t) => t.word));
    expect(finalAt(gated)).toBe(pauseHeardAt);

    // Agreement alone waits for a second hypothesis that has the word clear of the window's end.
    const agreementOnly = await streamPassage(truth, { chunkSeconds: chunk });
    expect(finalAt(agreementOnly)).toBeGreaterThan(pauseHeardAt);
  });

  it('drops words the recognizer makes up in music, where the detector hears no speech', async () => {
    const truth = passage(6);
    const end = truth.at(-1)?.end ?? 0;
    const heard = [
      ...truth,
      { word: 'la', start: end + 1.2, end: end + 1.5 },
      { word: 'la', start: end + 2.5, end: end + 2.8 },
    ];
    const { finals, last } = await streamPassage(truth, {
      chunkSeconds: 1,
      voiced: voicedSpans(truth),
      heard,
      tailSeconds: 4,
    });
    expect(words(finals)).toEqual(truth.map((t) => t.word));
    expect(last.interim).toBeNull();

    const ungated = await streamPassage(truth, { chunkSeconds: 1, heard, tailSeconds: 4 });
    expect(words(ungated.finals)).toContain('la');
  });

  it('loses and doubles nothing when over-long windows are cut at pauses and word boundaries', async () => {
    const truth = passage(30);
    const { finals } = await streamPassage(truth, {
      chunkSeconds: 3,
      maxWindowSeconds: 2,
      voiced: voicedSpans(truth),
    });
    expect(words(finals)).toEqual(truth.map((t) => t.word));
  });

  it('gives nothing at all for a recording without speech, without calling the recognizer', async () => {
    const truth = passage(4);
    const silent = await streamPassage(truth, { chunkSeconds: 0.5, voiced: [] });
    expect(silent.finals).toEqual([]);
    expect(silent.calls).toEqual([]);
  });
});
