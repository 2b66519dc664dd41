import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSileroVadPath } from '../../src/engine/vad';
import { lines, REPO_ROOT, runCli, runPnpmEarshot } from './run-cli';

// The engine's scripted "level-words" model: a run of 80 ms frames at level 0.1 / 0.2 / 0.3 is
// the word "ca" / "dog" / "a". It lets the whole CLI path (ffmpeg decode, model directory,
// engine, segmentation, output formats) be checked against exactly known words and times.
const MODEL_DIR = fileURLToPath(new URL('../fixtures/scripted/level-words', import.meta.url));
const FRAME = 1280;
/** Flat levels are no speech to a voice activity detector: these runs decode the whole file. */
const NO_VAD = ['--vad', 'off'];
const VAD_OFF_WARNING =
  /^earshot: WARNING: voice activity detection is off: --vad off was given\. The whole file is decoded/;

let dir: string;

function levels(runs: [level: number, frames: number][]): Float32Array {
  const samples = new Float32Array(runs.reduce((n, [, frames]) => n + frames * FRAME, 0));
  let at = 0;
  for (const [level, frames] of runs) {
    samples.fill(level, at, at + frames * FRAME);
    at += frames * FRAME;
  }
  return samples;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cli-scripted-'));
  // "ca", 1.04 s of silence, "dog", 0.24 s of silence, "a", silence.
  const samples = levels([
    [0, 2],
    [0.1, 6],
    [0, 13],
    [0.2, 6],
    [0, 3],
    [0.3, 6],
    [0, 4],
  ]);
  const raw = join(dir, 'levels.f32');
  writeFileSync(raw, Buffer.from(samples.buffer));
  for (const name of ['levels.wav', 'levels.flac']) {
    const input = ['-f', 'f32le', '-ar', '16000', '-ac', '1', '-i', raw];
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...input, join(dir, name)]);
  }
  writeFileSync(join(dir, 'notes.wav'), 'this is text pretending to be a wav file\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('earshot transcribe with a model directory', () => {
  it.each(['levels.wav', 'levels.flac'])(
    'reports the words of %s with their times, split at the long pause',
    async (name) => {
      const result = await runCli([
        'transcribe',
        join(dir, name),
        '--model',
        MODEL_DIR,
        '--format',
        'json',
        ...NO_VAD,
      ]);
      expect(lines(result.stderr)).toHaveLength(1);
      expect(result.stderr).toMatch(VAD_OFF_WARNING);
      expect(result.code).toBe(0);
      const transcript = JSON.parse(result.stdout);
      expect(transcript.text).toBe('ca dog a');
      expect(transcript.words.map((w: { word: string }) => w.word)).toEqual(['ca', 'dog', 'a']);
      // Each word starts at the first frame of its run: frames 2, 21 and 30 of 80 ms.
      expect(transcript.words.map((w: { start: number }) => w.start)).toEqual([0.16, 1.68, 2.4]);
      expect(transcript.segments.map((s: { text: string }) => s.text)).toEqual(['ca', 'dog a']);
      expect(transcript.segments[1].start).toBe(1.68);
    },
  );

  it.skipIf(!existsSync(defaultSileroVadPath()))(
    'decodes only what Silero VAD hears as speech, and flat levels are none',
    async () => {
      const result = await runCli(['transcribe', join(dir, 'levels.wav'), '--model', MODEL_DIR]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('');
    },
  );

  it('writes the same captions as SubRip and WebVTT', async () => {
    const file = join(dir, 'levels.wav');
    const srt = await runCli(['transcribe', file, '--model', MODEL_DIR, '--format', 'srt', ...NO_VAD]);
    expect(srt.code).toBe(0);
    expect(srt.stdout).toMatch(
      /^1\n00:00:00,160 --> 00:00:01,160\nca\n\n2\n00:00:01,680 --> 00:00:02,680\ndog a\n$/,
    );
    const vtt = await runCli(['transcribe', file, '--model', MODEL_DIR, '--format', 'vtt', ...NO_VAD]);
    expect(vtt.code).toBe(0);
    expect(vtt.stdout).toMatch(
      /^WEBVTT\n\n00:00:00\.160 --> 00:00:01\.160\nca\n\n00:00:01\.680 --> 00:00:02\.680\ndog a\n$/,
    );
    const txt = await runCli(['transcribe', file, '--model', MODEL_DIR, '--format', 'txt', ...NO_VAD]);
    expect(txt.stdout).toBe('ca\ndog a\n');
  });
});

describe('pnpm earshot', () => {
  it('takes file and model paths relative to the repository root and writes --output', async () => {
    const out = join(dir, 'from-pnpm.srt');
    const result = await runPnpmEarshot([
      'transcribe',
      relative(REPO_ROOT, join(dir, 'levels.flac')),
      '--model',
      relative(REPO_ROOT, MODEL_DIR),
      '--format',
      'srt',
      '-o',
      out,
      ...NO_VAD,
    ]);
    expect(result.stderr).toMatch(VAD_OFF_WARNING);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^1\n00:00:00,160 --> 00:00:01,160\nca\n/);
  });
});

describe('earshot transcribe failures after the model is found', () => {
  it("rejects a file ffmpeg cannot decode in one line, with ffmpeg's reason", async () => {
    const result = await runCli(['transcribe', join(dir, 'notes.wav'), '--model', MODEL_DIR]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^earshot: cannot decode .*notes\.wav: .+/);
  });

  it('stops with one line saying to run `pnpm earshot gpu setup` when CUDA is not available', async () => {
    const result = await runCli([
      'transcribe',
      join(dir, 'levels.wav'),
      '--model',
      MODEL_DIR,
      '--device',
      'cuda',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^earshot: .*CUDA.*`pnpm earshot gpu setup`/);
  });
});
