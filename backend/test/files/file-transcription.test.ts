import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../../src/audio/file-decoder';
import { ForwardSampleReader } from '../../src/audio/forward-sample-reader';
import { SileroVad } from '../../src/engine';
import { transcribeWindows } from '../../src/engine/long-audio';
import type { Recognizer } from '../../src/engine/types';
import { FILE_WINDOW, transcribeFileThroughQueue } from '../../src/files/file-transcription';
import { InferenceQueue } from '../../src/streaming/inference-queue';
import { loadTinyEn } from '../server/helpers';
import { writeLoopedSpeech, writeTwoPhraseSpeech } from '../two-phrase-speech';

let dir: string;
let long: string;
let recognizer: Recognizer;
let vad: SileroVad;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-file-transcription-'));
  // About a minute: several stretches of speech, one window each, and pauses between them.
  long = writeLoopedSpeech(writeTwoPhraseSpeech(dir), 8);
  [recognizer, vad] = await Promise.all([loadTinyEn(), SileroVad.load()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([recognizer?.release(), vad?.release()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('transcribeFileThroughQueue', () => {
  it('streaming the file gives the transcript of the whole file decoded in memory', async () => {
    const queue = new InferenceQueue(recognizer);
    const model = { queue, sampleRate: recognizer.sampleRate };
    const streamed = await transcribeFileThroughQueue(long, model, {
      key: 'streamed',
      createVadStream: () => vad.createStream(),
    });

    const samples = await decodeAudioFile(long);
    const whole = await transcribeWindows(
      async ([window]) => {
        const outcome = await queue.submit({ key: 'whole', kind: 'batch', samples: window as Float32Array });
        if (outcome.status !== 'recognized') throw new Error(outcome.status);
        return [outcome.result];
      },
      recognizer.sampleRate,
      samples,
      { ...FILE_WINDOW, batchSize: 1, speech: await vad.speechSegments(samples) },
    );

    expect(streamed.durationSeconds).toBe(samples.length / recognizer.sampleRate);
    expect(streamed.recognition.words.length).toBeGreaterThan(20);
    expect(streamed.recognition.words).toEqual(whole.words);
    expect(streamed.recognition.windows.map((w) => [w.start, w.end])).toEqual(
      whole.windows.map((w) => [w.start, w.end]),
    );
  }, 120_000);
});

describe('ForwardSampleReader', () => {
  it('reads overlapping ranges moving forward across pieces of any size', async () => {
    const all = Float32Array.from({ length: 1000 }, (_, i) => i);
    async function* pieces() {
      for (let at = 0, size = 1; at < all.length; at += size, size = (size * 7) % 97) {
        yield all.slice(at, at + size);
      }
    }
    const reader = new ForwardSampleReader(all.length, pieces());
    for (const [start, end] of [
      [0, 100],
      [80, 300],
      [280, 281],
      [290, 600],
      [990, 1200],
    ] as const) {
      expect(Array.from(await reader.read(start, end))).toEqual(Array.from(all.subarray(start, end)));
    }
    await expect(reader.read(10, 20)).rejects.toThrow(/already let go/);
  });
});
