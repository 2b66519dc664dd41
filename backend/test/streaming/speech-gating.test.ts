import { existsSync } from 'node:fs';
import type { Segment } from '@earshot/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transcribeLong } from '../../src/engine/long-audio';
import type { Recognizer } from '../../src/engine/types';
import { defaultSileroVadPath, SileroVad } from '../../src/engine/vad';
import { SpeechActivity, type SpeechSpan } from '../../src/streaming/speech-activity';
import { DEFAULT_WINDOW_OPTIONS, StreamingTranscriber } from '../../src/streaming/streaming-transcriber';
import { audibleSpan, concat, music, SAMPLE_RATE, silence, speak, whiteNoise } from '../engine/speech-audio';
import { loadTinyEn, MAX_STREAMING_WER, modelDeafNote, wordErrorRate } from '../server/helpers';

const MODEL = defaultSileroVadPath();
const present = existsSync(MODEL);
const why = present ? '' : ` [skipped: no Silero VAD model at ${MODEL}; set EARSHOT_SHARED_DIR]`;

const FIRST = 'the dog ran to the park to play with a red ball';
const SECOND = 'my mother found a small green tree near the house';

interface Recording {
  samples: Float32Array;
  /** Where the voice is. */
  speech: SpeechSpan[];
  /** Stretches of silence, music or noise, each between two spoken parts or at an end. */
  quiet: SpeechSpan[];
}

/** Silence, speech, silence, music, speech, noise: parts placed on one timeline. */
function recording(): Recording {
  const parts: { samples: Float32Array; voice: boolean }[] = [
    { samples: silence(2), voice: false },
    { samples: speak(FIRST), voice: true },
    { samples: silence(3), voice: false },
    { samples: music(6), voice: false },
    { samples: speak(SECOND), voice: true },
    { samples: whiteNoise(3, 0.02), voice: false },
  ];
  const speech: SpeechSpan[] = [];
  let at = 0;
  for (const part of parts) {
    if (part.voice) {
      const span = audibleSpan(part.samples);
      speech.push({ start: at + span.start, end: at + span.end });
    }
    at += part.samples.length / SAMPLE_RATE;
  }
  const edges = [0, ...speech.flatMap((s) => [s.start, s.end]), at];
  const quiet: SpeechSpan[] = [];
  for (let i = 0; i < edges.length; i += 2) quiet.push({ start: edges[i] ?? 0, end: edges[i + 1] ?? 0 });
  return { samples: concat(...parts.map((p) => p.samples)), speech, quiet };
}

interface Call {
  from: number;
  to: number;
}

/** Streams the recording in 1 s pieces, a step after each, with the windows a session uses. */
async function stream(recognizer: Recognizer, samples: Float32Array, vad: SileroVad | null) {
  const calls: Call[] = [];
  let received = 0;
  const transcriber = new StreamingTranscriber(
    'rec',
    async (window) => {
      const to = received / SAMPLE_RATE;
      calls.push({ from: to - window.length / SAMPLE_RATE, to });
      const s = recognizer.createStream();
      s.acceptWaveform(window);
      await recognizer.decode([s]);
      return s.result ?? { text: '', tokens: [], words: [] };
    },
    {
      ...DEFAULT_WINDOW_OPTIONS,
      sampleRate: SAMPLE_RATE,
      bufferSeconds: 60,
      ...(vad ? { speech: new SpeechActivity(vad.createStream()) } : {}),
    },
  );
  const finals: Segment[] = [];
  for (let at = 0; at < samples.length; at += SAMPLE_RATE) {
    const piece = samples.subarray(at, at + SAMPLE_RATE);
    transcriber.append(piece);
    received += piece.length;
    finals.push(...(await transcriber.step({ final: false })).finals);
  }
  finals.push(...(await transcriber.step({ final: true })).finals);
  return { calls, finals, text: finals.map((s) => s.text).join(' ') };
}

describe.skipIf(!present)(`streaming gated by the real Silero VAD${why}`, () => {
  let vad: SileroVad;
  let recognizer: Recognizer;
  let audio: Recording;

  beforeAll(async () => {
    [vad, recognizer] = await Promise.all([SileroVad.load(MODEL), loadTinyEn()]);
    audio = recording();
  });
  afterAll(async () => {
    await vad?.release();
    await recognizer?.release();
  });

  /** Recognizer calls on windows that hold nothing but a quiet stretch (beyond the VAD's padding). */
  const quietOnly = (calls: readonly Call[]) =>
    calls.filter((c) => audio.quiet.some((q) => c.from >= q.start + 0.3 && c.to <= q.end));

  /** Seconds of quiet audio the recognizer was given, over all calls. */
  const quietSecondsDecoded = (calls: readonly Call[]) =>
    calls.reduce(
      (sum, c) =>
        sum +
        audio.quiet.reduce((n, q) => n + Math.max(0, Math.min(c.to, q.end) - Math.max(c.from, q.start)), 0),
      0,
    );

  it('does not run the recognizer over silence, music or noise, and puts no words there', async () => {
    const { calls, finals } = await stream(recognizer, audio.samples, vad);

    expect(calls.length).toBeGreaterThan(0);
    expect(quietOnly(calls)).toEqual([]);
    for (const word of finals.flatMap((s) => s.words)) {
      const middle = (word.start_seconds + word.end_seconds) / 2;
      expect(audio.speech.some((s) => middle > s.start - 0.3 && middle < s.end + 0.3)).toBe(true);
    }

    // The same audio without the detector: the recognizer is given the quiet stretches again and again.
    const ungated = await stream(recognizer, audio.samples, null);
    expect(quietSecondsDecoded(calls)).toBeLessThan(quietSecondsDecoded(ungated.calls) / 4);
  });

  it(`streams final words about as accurately as the file transcribed offline`, async () => {
    // As `earshot transcribe` does: the file cut at the pauses the detector finds.
    const speech = await vad.speechSegments(audio.samples);
    const whole = await transcribeLong(recognizer, audio.samples, { speech });
    const spoken = `${FIRST} ${SECOND}`;
    const offline = wordErrorRate(spoken, whole.text);
    const streamed = wordErrorRate(spoken, (await stream(recognizer, audio.samples, vad)).text);
    const measured = `offline WER ${(offline * 100).toFixed(1)} %, streamed ${(streamed * 100).toFixed(1)} %`;
    expect(offline, `${modelDeafNote(offline)} (${measured})`).toBeLessThanOrEqual(MAX_STREAMING_WER);
    // Two sentences are too few words to resolve a point of WER: at most one more word wrong (the
    // benchmark compares streamed and offline text over many more).
    const oneWord = 1 / spoken.split(' ').length;
    expect(streamed, measured).toBeLessThanOrEqual(offline + oneWord + 1e-9);
  });
});
