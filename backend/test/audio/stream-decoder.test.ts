import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StreamDecoder } from '../../src/audio/stream-decoder.js';
import { concat, SAMPLE_RATE } from '../engine/speech-audio.js';

const work = mkdtempSync(path.join(tmpdir(), 'earshot-stream-decoder-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** 2 s of tone as WebM/Opus whose timestamps jump 0.5 s after the first second. */
function webmWithGap(): Buffer {
  const file = path.join(work, 'gap.webm');
  execFileSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=f=440:d=2:r=48000'],
    ...['-af', "asetpts='if(gte(T,1),PTS+0.5/TB,PTS)'", '-c:a', 'libopus', '-f', 'webm', file],
  ]);
  return readFileSync(file);
}

describe('StreamDecoder', () => {
  it('follows the samples, not the timestamps: a jump in them adds no silence', async () => {
    const chunks: Float32Array[] = [];
    const decoder = new StreamDecoder({ format: 'matroska', onPcm: (samples) => chunks.push(samples) });
    const bytes = webmWithGap();
    for (let at = 0; at < bytes.length; at += 4000) decoder.write(bytes.subarray(at, at + 4000));
    await decoder.end();
    expect(decoder.decodedSeconds).toBeCloseTo(2, 1);
    const pcm = concat(...chunks);
    const rms = (from: number, to: number) => {
      const part = pcm.subarray(Math.round(from * SAMPLE_RATE), Math.round(to * SAMPLE_RATE));
      return Math.sqrt(part.reduce((sum, v) => sum + v * v, 0) / part.length);
    };
    for (let at = 0.1; at < 1.9; at += 0.2)
      expect(rms(at, at + 0.1), `tone at ${at} s`).toBeGreaterThan(0.05);
  });
});
