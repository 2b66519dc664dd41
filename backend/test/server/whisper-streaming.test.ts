import { existsSync } from 'node:fs';
import type { AsrStreamRequest } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelRecognizer } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { defaultSileroVadPath, SileroVad } from '../../src/engine/vad';
import type { GuardThresholds } from '../../src/engine/whisper/guards';
import { resolveModel } from '../../src/models';
import { buildApp } from '../../src/server/app';
import { SpeechActivity } from '../../src/streaming/speech-activity';
import { concat, SAMPLE_RATE, silence, speak } from '../engine/speech-audio';
import { tinyWhisperDir } from '../engine/whisper-model';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, samplesToWebm } from '../sessions/webm-fixture';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import { INJECT_PORT, openSessions, postChunkOk, streamChunks } from './helpers';

const VAD_MODEL = defaultSileroVadPath();
const present = existsSync(VAD_MODEL);
const why = present ? '' : ` [skipped: no Silero VAD model at ${VAD_MODEL}; set EARSHOT_SHARED_DIR]`;

/** The random-weight Whisper babbles on speech; with its guards off that babble is what gets streamed. */
const GUARDS_OFF: Partial<GuardThresholds> = {
  compressionRatioThreshold: null,
  logProbThreshold: null,
  noSpeechThreshold: null,
  temperatures: [0],
};

const SENTENCES = [
  'the dog ran to the park to play with a red ball and the children walk near the river at night',
  'my mother found a small green tree near the house and water for the plant',
  'we like to read a good book by the window when the rain falls on the old town',
  'the cat is on the water and the boy can see the big ship from the hill',
];

let vad: SileroVad;
let longRecording: { webm: Buffer; seconds: number };
let shortRecording: Buffer;

/** tiny-whisper loaded the way `serve --model <dir>` loads it, in an app with Silero per recording. */
async function whisperApp(guards?: Partial<GuardThresholds>) {
  const model = await resolveModel(tinyWhisperDir(), { allowDownload: false });
  const real: Recognizer = await loadModelRecognizer(model, 'cpu', guards ? { guards } : {});
  const recognizer = new ObservedRecognizer(real);
  const app = await buildApp({
    recognizer,
    config: { port: INJECT_PORT },
    createSpeechActivity: () => new SpeechActivity(vad.createStream()),
  });
  return { app, recognizer };
}

/** Posts about a second of audio every quarter second: faster than real time, slow enough to be recognized on the way. */
function stream(app: FastifyInstance, webm: Buffer, recordingId: string) {
  const post = async (request: AsrStreamRequest) => {
    const answer = await postChunkOk(app, request);
    await new Promise((resolve) => setTimeout(resolve, 250));
    return answer;
  };
  return streamChunks(post, cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 9), {
    recording_id: recordingId,
  });
}

describe.skipIf(!present)(`Whisper streamed through the service${why}`, () => {
  beforeAll(async () => {
    vad = await SileroVad.load(VAD_MODEL);
    const pause = silence(0.8);
    const samples = concat(...SENTENCES.flatMap((s) => [speak(s), pause]), ...SENTENCES.map((s) => speak(s)));
    longRecording = { webm: samplesToWebm(samples), seconds: samples.length / SAMPLE_RATE };
    shortRecording = samplesToWebm(concat(silence(0.5), speak(SENTENCES[0] as string), silence(1)));
  });
  afterAll(async () => {
    await vad?.release();
  });

  it('goes through the same sessions and commit policy as Parakeet: windows under 30 s, finals in order inside the audio', async () => {
    const { app, recognizer } = await whisperApp(GUARDS_OFF);
    try {
      expect(longRecording.seconds).toBeGreaterThan(35);
      const transcript = await stream(app, longRecording.webm, 'whisper-long');

      expect(transcript.finals.length).toBeGreaterThan(1);
      expect(new Set(transcript.finals.map((s) => s.id)).size).toBe(transcript.finals.length);
      const words = transcript.finals.flatMap((s) => s.words);
      expect(words.length).toBeGreaterThan(0);
      // The random model times words loosely; what the commit policy guarantees is their order.
      let previousMiddle = 0;
      for (const word of words) {
        expect(word.word).toMatch(/\S/);
        expect(word.end_seconds).toBeGreaterThanOrEqual(word.start_seconds);
        expect(word.end_seconds).toBeLessThanOrEqual(longRecording.seconds + 0.3);
        const middle = (word.start_seconds + word.end_seconds) / 2;
        expect(middle).toBeGreaterThanOrEqual(previousMiddle);
        previousMiddle = middle;
      }
      // Finals were committed while the recording went on, not all at its end.
      expect(transcript.finals[0]?.end_seconds ?? Infinity).toBeLessThan(longRecording.seconds / 2);
      expect(recognizer.windowSeconds.length).toBeGreaterThan(1);
      expect(Math.max(...recognizer.windowSeconds)).toBeLessThanOrEqual(30);
      expect(await openSessions(app)).toBe(0);
    } finally {
      await app.close();
      await recognizer.release();
    }
  });

  // Every window is decoded at up to six temperatures: 28 s on an idle CI machine, over 60 s on a busy one.
  it('writes nothing with its default guards, which drop the random model’s babble on the server path too', async () => {
    const { app, recognizer } = await whisperApp();
    try {
      const transcript = await stream(app, shortRecording, 'whisper-guarded');
      expect(recognizer.windowSeconds.length).toBeGreaterThan(0);
      expect(transcript.finals).toEqual([]);
      expect(transcript.interims.every((s) => s.words.length === 0)).toBe(true);
    } finally {
      await app.close();
      await recognizer.release();
    }
  }, 150_000);
});
