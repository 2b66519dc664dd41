import type { Segment } from '@earshot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParakeetRecognizer } from '../../src/engine/parakeet';
import { ChunkedTranscriber } from '../../src/streaming/chunked-transcriber';
import type { WindowOptions } from '../../src/streaming/live-transcriber';
import { SpeechActivity, type SpeechSpan } from '../../src/streaming/speech-activity';
import { FRAME, LEVEL_WORDS_MODEL, SHIFT, script } from '../engine/level-words';
import { ScriptedVoice } from './scripted-voice';

const RATE = 16_000;
const PIECE = 0.25;

let recognizer: ParakeetRecognizer;
beforeAll(async () => {
  recognizer = await ParakeetRecognizer.load({
    modelDir: LEVEL_WORDS_MODEL,
    modelId: 'level',
    device: 'cpu',
  });
});
afterAll(() => recognizer?.release());

interface Call {
  /** Audio received when the window was sent, seconds. */
  at: number;
  samples: number;
}

interface Step {
  /** Audio received when the step's answer came, seconds. */
  at: number;
  finals: Segment[];
  interim: Segment | null;
}

/**
 * Feeds `audio` in 250 ms pieces as a session does, stepping whenever the policy says a step is due,
 * and finishing at the end; the recognizer is the real engine on the level-words model.
 */
async function stream(
  audio: Float32Array,
  options: { hop: number; left: number; right: number; voiced?: SpeechSpan[]; stepMs?: number },
) {
  const calls: Call[] = [];
  const steps: Step[] = [];
  let received = 0;
  // The time each step takes to answer, as the transcriber reads it.
  let now = 0;
  const transcriber = new ChunkedTranscriber(
    'rec',
    async (samples: Float32Array, window?: WindowOptions) => {
      calls.push({ at: received / RATE, samples: samples.length });
      now += options.stepMs ?? 0;
      const s = recognizer.createStream(window);
      s.acceptWaveform(samples);
      await recognizer.decode([s]);
      if (!s.result) throw new Error('not decoded');
      return s.result;
    },
    {
      sampleRate: RATE,
      bufferSeconds: 60,
      frameSeconds: SHIFT,
      leftSeconds: options.left,
      rightSeconds: options.right,
      hopSeconds: options.hop,
      stepShare: 0.25,
      maxHopSeconds: 2,
      clock: () => now,
      ...(options.voiced ? { speech: new SpeechActivity(new ScriptedVoice(options.voiced)) } : {}),
    },
  );
  const piece = PIECE * RATE;
  for (let at = 0; at < audio.length; at += piece) {
    transcriber.append(audio.subarray(at, at + piece));
    received = Math.min(audio.length, at + piece);
    // Pieces arrive over time: the detector classifies each before the next comes.
    await new Promise((resolve) => setImmediate(resolve));
    if (transcriber.due()) steps.push({ at: received / RATE, ...(await transcriber.step({ final: false })) });
  }
  steps.push({ at: received / RATE, ...(await transcriber.step({ final: true })) });
  const finals = steps.flatMap((s) => s.finals);
  return { calls, steps, finals, words: finals.flatMap((f) => f.words) };
}

const startFrames = (words: readonly { start_seconds: number }[]) =>
  words.map((w) => Math.round(w.start_seconds / SHIFT));

describe('chunked streaming of a transducer', () => {
  it('makes every word final exactly once, in order, whatever the chunk geometry', async () => {
    const { audio, spoken } = script(30, 5);
    for (const geometry of [
      { hop: 0.5, left: 1, right: 0.5 },
      { hop: 0.25, left: 0.5, right: 0.25 },
      { hop: 1, left: 0, right: 0 },
      { hop: 0.75, left: 2, right: 0.16 },
    ]) {
      const { words, finals } = await stream(audio, geometry);
      const label = JSON.stringify(geometry);
      expect(
        words.map((w) => w.word),
        label,
      ).toEqual(spoken.map((s) => s.word));
      expect(startFrames(words), label).toEqual(spoken.map((s) => Math.round(s.start / SHIFT)));
      const ids = finals.map((f) => f.id);
      expect(new Set(ids).size, label).toBe(ids.length);
    }
  });

  it('never changes a final: later captions only ever start where the finals end', async () => {
    const { audio } = script(20, 9);
    const { steps } = await stream(audio, { hop: 0.5, left: 1, right: 0.5 });
    let finalThrough = 0;
    for (const step of steps) {
      for (const final of step.finals) {
        expect(final.final).toBe(true);
        expect(final.start_seconds).toBeGreaterThanOrEqual(finalThrough - 1e-6);
        finalThrough = final.end_seconds;
      }
      for (const word of step.interim?.words ?? [])
        expect(word.start_seconds).toBeGreaterThanOrEqual(finalThrough - 1e-6);
    }
  });

  it('shows each word within one hop of its audio arriving, and makes it final within hop + right context', async () => {
    const { audio, spoken } = script(20, 3);
    const hop = 0.5;
    const right = 0.5;
    const { steps } = await stream(audio, { hop, left: 1, right });
    const firstShown = (start: number, finalOnly: boolean) =>
      steps.find((s) =>
        [...s.finals, ...(finalOnly || !s.interim ? [] : [s.interim])].some((seg) =>
          seg.words.some((w) => Math.abs(w.start_seconds - start) < 1e-3),
        ),
      )?.at;
    for (const word of spoken.slice(0, -3)) {
      const heardBy = word.start + 3 * SHIFT;
      expect(firstShown(word.start, false)).toBeLessThanOrEqual(heardBy + hop + PIECE + 1e-6);
      expect(firstShown(word.start, true)).toBeLessThanOrEqual(heardBy + hop + right + 2 * PIECE + 1e-6);
    }
  });

  it('decodes nothing while a recording is silent, and closes the speech before a pause at once', async () => {
    // Two talks with 10 s of silence between them; the detector hears exactly the talks.
    const first = script(4, 21);
    const second = script(4, 22);
    const silence = new Float32Array(10 * RATE);
    const audio = new Float32Array(first.audio.length + silence.length + second.audio.length);
    audio.set(first.audio);
    audio.set(second.audio, first.audio.length + silence.length);
    const talkEnd = first.audio.length / RATE;
    const resumeAt = talkEnd + silence.length / RATE;
    const lastSpoken = first.spoken.at(-1)?.start ?? 0;
    const talk = { start: (first.spoken[0]?.start ?? 0) - 0.05, end: lastSpoken + 0.3 };
    const voiced = [talk, { start: resumeAt, end: audio.length / RATE }];
    // A hop far longer than the pause detector's delay (the talk ends 0.6 s after the first step):
    // only the pause can close the talk that soon.
    const { calls, steps, words } = await stream(audio, { hop: 3, left: 1, right: 0.5, voiced });
    expect(words.map((w) => w.word)).toEqual([...first.spoken, ...second.spoken].map((s) => s.word));
    const closedAt = steps.find((s) =>
      s.finals.some((f) => f.words.some((w) => w.start_seconds >= lastSpoken - 1e-6)),
    )?.at;
    expect(closedAt).toBeLessThanOrEqual(talk.end + 0.3 + 2 * PIECE);
    const duringSilence = calls.filter((c) => c.at > talk.end + 1 && c.at <= resumeAt);
    expect(duringSilence).toEqual([]);
    // Held audio stays bounded: the silence itself is never sent to the recognizer.
    expect(Math.max(...calls.map((c) => c.samples))).toBeLessThan(6 * RATE);
  });

  it('steps less often when a step takes long, so a slow engine is not asked more than it can answer', async () => {
    const { audio, spoken } = script(20, 17);
    const quick = await stream(audio, { hop: 0.5, left: 1, right: 0.5 });
    // Each step answers 0.3 s after it is asked: a quarter of the audio's time is a 1.2 s hop.
    const slow = await stream(audio, { hop: 0.5, left: 1, right: 0.5, stepMs: 300 });
    expect(quick.calls.length).toBeGreaterThan(30);
    expect(slow.calls.length).toBeLessThan(quick.calls.length / 2);
    // (The recording's end is recognized whenever it comes.)
    const stepped = slow.calls.slice(1, -1);
    const gaps = stepped.slice(1).map((c, i) => c.at - (stepped[i] as Call).at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1.2 - 1e-6);
    // Fewer, longer chunks lose no word.
    expect(slow.words.map((w) => w.word)).toEqual(spoken.map((s) => s.word));
  });

  it('gives up audio it cannot recognize in time, making the words heard there final', async () => {
    const { audio, spoken } = script(6, 13);
    const transcriber = new ChunkedTranscriber(
      'rec',
      async (samples, window) => {
        const s = recognizer.createStream(window);
        s.acceptWaveform(samples);
        await recognizer.decode([s]);
        return s.result ?? { text: '', tokens: [], words: [] };
      },
      {
        sampleRate: RATE,
        bufferSeconds: 60,
        frameSeconds: SHIFT,
        leftSeconds: 1,
        rightSeconds: 1,
        hopSeconds: 0.5,
        stepShare: 0.25,
        maxHopSeconds: 2,
      },
    );
    transcriber.append(audio.subarray(0, 3 * RATE));
    const first = await transcriber.step({ final: false });
    const open = first.interim?.words ?? [];
    expect(open.length).toBeGreaterThan(0);
    transcriber.append(audio.subarray(3 * RATE));
    const skipped = transcriber.skipTo(2.5);
    expect(skipped.finals.flatMap((f) => f.words).map((w) => w.word)).toEqual(
      open.filter((w) => w.end_seconds <= 2.5).map((w) => w.word),
    );
    const rest = await transcriber.step({ final: true });
    const later = rest.finals.flatMap((f) => f.words);
    expect(later.every((w) => w.start_seconds >= 2.5 - 1e-6)).toBe(true);
    expect(later.map((w) => w.word)).toEqual(spoken.filter((s) => s.start >= 2.5).map((s) => s.word));
    expect(FRAME).toBe(SHIFT * RATE);
  });
});
