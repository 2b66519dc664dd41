import { existsSync } from 'node:fs';
import type { AsrStreamRequest } from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recognizer } from '../../src/engine/types';
import { defaultSileroVadPath, SileroVad } from '../../src/engine/vad';
import { buildApp } from '../../src/server/app';
import { SpeechActivity } from '../../src/streaming/speech-activity';
import { concat, music, silence, speak } from '../engine/speech-audio';
import { cutAtArbitraryOffsets, ONE_SECOND_OF_WEBM, samplesToWebm } from '../sessions/webm-fixture';
import { ObservedRecognizer } from '../streaming/observed-recognizer';
import { INJECT_PORT, loadTinyEn, OWN_HOST, postChunkOk, streamChunks } from './helpers';

const MODEL = defaultSileroVadPath();
const present = existsSync(MODEL);
const why = present ? '' : ` [skipped: no Silero VAD model at ${MODEL}; set EARSHOT_SHARED_DIR]`;

let real: Recognizer;
let vad: SileroVad;
let noVoice: Buffer;
let voice: Buffer;

/** An app on tiny-en, with or without Silero per recording, ready (warmed up) before it is used. */
async function readyApp(gated: boolean): Promise<{ app: FastifyInstance; recognizer: ObservedRecognizer }> {
  const recognizer = new ObservedRecognizer(real);
  const app = await buildApp({
    recognizer,
    config: { port: INJECT_PORT },
    ...(gated ? { createSpeechActivity: () => new SpeechActivity(vad.createStream()) } : {}),
  });
  for (let i = 0; i < 100; i++) {
    const ready = await app.inject({ method: 'GET', url: '/ready', headers: { host: OWN_HOST } });
    if (ready.statusCode === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { app, recognizer };
}

async function streamThrough(app: FastifyInstance, recording: Buffer, recordingId: string) {
  const post = (request: AsrStreamRequest) => postChunkOk(app, request);
  return streamChunks(post, cutAtArbitraryOffsets(recording, ONE_SECOND_OF_WEBM, 4), {
    recording_id: recordingId,
  });
}

/** Windows the model decoded after its warm-up. */
const windowsDecoded = (recognizer: ObservedRecognizer) => recognizer.batches.flat().length - 1;

describe.skipIf(!present)(`the service with Silero VAD per recording${why}`, () => {
  beforeAll(async () => {
    [real, vad] = await Promise.all([loadTinyEn(), SileroVad.load(MODEL)]);
    noVoice = samplesToWebm(concat(silence(2), music(5), silence(2)));
    voice = samplesToWebm(concat(silence(1), speak('the dog ran to the park'), silence(2)));
  });
  afterAll(async () => {
    await vad?.release();
    await real?.release();
  });

  it('sends a recording of music and silence to the model not once, and captions nothing', async () => {
    const { app, recognizer } = await readyApp(true);
    try {
      const transcript = await streamThrough(app, noVoice, 'music');
      expect(windowsDecoded(recognizer)).toBe(0);
      expect(transcript.finals).toEqual([]);
      expect(transcript.interims).toEqual([]);

      await streamThrough(app, voice, 'speech');
      expect(windowsDecoded(recognizer)).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it('sends the same music and silence to the model when no VAD is given', async () => {
    const { app, recognizer } = await readyApp(false);
    try {
      await streamThrough(app, noVoice, 'music');
      expect(windowsDecoded(recognizer)).toBeGreaterThan(3);
    } finally {
      await app.close();
    }
  });
});
