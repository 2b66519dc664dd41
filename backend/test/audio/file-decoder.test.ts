import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../../src/audio/file-decoder';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-decoder-'));
  // Two seconds of a 440 Hz tone at 44.1 kHz stereo, as a wav and as an ogg/vorbis file.
  const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=2', '-ac', '2'];
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...tone, join(dir, 'tone.wav')]);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...tone, '-c:a', 'libvorbis', join(dir, 'tone.ogg')]);
  writeFileSync(join(dir, 'notes.txt'), 'these are not sound waves\n');
  const picture = ['-f', 'lavfi', '-i', 'testsrc=duration=1:size=64x64:rate=10'];
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...picture, join(dir, 'silent-film.mp4')]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeAudioFile', () => {
  it.each(['tone.wav', 'tone.ogg'])('resamples %s to 16 kHz mono with the signal intact', async (name) => {
    const samples = await decodeAudioFile(join(dir, name));
    expect(samples.length / 16_000).toBeCloseTo(2, 1);
    let peak = 0;
    let crossings = 0;
    for (let i = 1; i < samples.length; i++) {
      peak = Math.max(peak, Math.abs(samples[i] ?? 0));
      if ((samples[i - 1] ?? 0) < 0 && (samples[i] ?? 0) >= 0) crossings++;
    }
    // ffmpeg's sine source is at 1/8 full scale; 440 upward zero crossings a second.
    expect(peak).toBeGreaterThan(0.1);
    expect(crossings / 2).toBeGreaterThan(430);
    expect(crossings / 2).toBeLessThan(450);
  });

  it('says the file does not exist', async () => {
    await expect(decodeAudioFile(join(dir, 'missing.wav'))).rejects.toThrow(
      /^file not found: .*missing\.wav$/,
    );
  });

  it("names the file and repeats ffmpeg's reason when it cannot decode it", async () => {
    const error = await decodeAudioFile(join(dir, 'notes.txt')).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^cannot decode .*notes\.txt: Invalid data found when processing input$/,
    );
  });

  it('says a video without sound has no audio track', async () => {
    await expect(decodeAudioFile(join(dir, 'silent-film.mp4'))).rejects.toThrow(
      /^cannot decode .*silent-film\.mp4: it has no audio track$/,
    );
  });

  it('says when ffmpeg itself is missing', async () => {
    await expect(decodeAudioFile(join(dir, 'tone.wav'), 'ffmpeg-not-installed-here')).rejects.toThrow(
      /ffmpeg is not installed/,
    );
  });
});
