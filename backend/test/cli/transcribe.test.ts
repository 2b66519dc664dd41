import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, runCli } from './run-cli';

// Two phrases made of words tiny-en was trained on (its words.txt), with 1.5 s of silence
// between them: the transcript must come out as two captions.
const FIRST = 'the cat is on the water';
const SECOND = 'we like to read a good book';
const SPOKEN = `${FIRST} ${SECOND}`.split(' ');

let dir: string;
let wav: string;
const env = { HF_HUB_OFFLINE: '1', EARSHOT_DEBUG: '' };

function speak(text: string, out: string) {
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', out, text]);
}

function ffmpeg(...args: string[]) {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cli-transcribe-'));
  speak(FIRST, join(dir, 'first.wav'));
  speak(SECOND, join(dir, 'second.wav'));
  wav = join(dir, 'speech.wav');
  // espeak-ng writes 22.05 kHz; leave it so: the CLI must resample whatever it is given.
  const concat = '[0:a]apad=pad_dur=1.5[a0];[a0][1:a]concat=n=2:v=0:a=1[out]';
  ffmpeg(
    '-i',
    join(dir, 'first.wav'),
    '-i',
    join(dir, 'second.wav'),
    '-filter_complex',
    concat,
    '-map',
    '[out]',
    wav,
  );
  ffmpeg('-i', wav, '-ac', '2', '-ar', '44100', '-b:a', '128k', join(dir, 'speech.mp3'));
  ffmpeg('-i', wav, '-c:a', 'libvorbis', join(dir, 'speech.ogg'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Share of the spoken words found, in order-insensitive bag-of-words terms. */
function recall(text: string): number {
  const heard = text.toLowerCase().match(/[a-z']+/g) ?? [];
  const remaining = [...heard];
  let found = 0;
  for (const word of SPOKEN) {
    const i = remaining.indexOf(word);
    if (i >= 0) {
      found++;
      remaining.splice(i, 1);
    }
  }
  return found / SPOKEN.length;
}

interface JsonWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

describe('earshot transcribe --model tiny-en', () => {
  it('writes JSON with the text, words in time order, and segments split at the pause', async () => {
    const result = await runCli(['transcribe', wav, '--model', 'tiny-en', '--format', 'json'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const transcript = JSON.parse(result.stdout) as {
      text: string;
      segments: { start: number; end: number; text: string; words: JsonWord[] }[];
      words: JsonWord[];
    };
    expect(recall(transcript.text)).toBeGreaterThanOrEqual(0.8);
    expect(transcript.words.length).toBeGreaterThanOrEqual(8);
    for (const [i, w] of transcript.words.entries()) {
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.confidence).toBeGreaterThan(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(transcript.words[i - 1]?.end ?? 0);
    }
    const duration = Number(
      execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav], {
        encoding: 'utf8',
      }),
    );
    expect(transcript.words.at(-1)?.end).toBeLessThanOrEqual(duration + 0.1);

    expect(transcript.segments).toHaveLength(2);
    const [first, second] = transcript.segments;
    expect(recall(`${first?.text}`)).toBeGreaterThan(0.3);
    expect((second?.start ?? 0) - (first?.end ?? 0)).toBeGreaterThan(0.7);
    expect(transcript.segments.flatMap((s) => s.words)).toEqual(transcript.words);
  });

  it('writes SubRip captions, one per phrase', async () => {
    const result = await runCli(['transcribe', wav, '--model', 'tiny-en', '--format', 'srt'], env);
    expect(result.code).toBe(0);
    const cues = result.stdout.trim().split('\n\n');
    expect(cues).toHaveLength(2);
    cues.forEach((cue, i) => {
      const [index, timing, ...text] = cue.split('\n');
      expect(index).toBe(String(i + 1));
      expect(timing).toMatch(/^\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}$/);
      expect(text.join(' ').length).toBeGreaterThan(0);
    });
    expect(recall(result.stdout)).toBeGreaterThanOrEqual(0.8);
  });

  it('writes WebVTT captions', async () => {
    const result = await runCli(['transcribe', wav, '--model', 'tiny-en', '--format', 'vtt'], env);
    expect(result.code).toBe(0);
    const [header, ...cues] = result.stdout.trim().split('\n\n');
    expect(header).toBe('WEBVTT');
    expect(cues).toHaveLength(2);
    for (const cue of cues)
      expect(cue.split('\n')[0]).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{3} --> \d{2}:\d{2}:\d{2}\.\d{3}$/);
  });

  it.each(['speech.wav', 'speech.mp3', 'speech.ogg'])('writes plain text for %s', async (name) => {
    const result = await runCli(
      ['transcribe', join(dir, name), '--model', 'tiny-en', '--format', 'txt'],
      env,
    );
    expect(result.code).toBe(0);
    expect(lines(result.stdout)).toHaveLength(2);
    expect(recall(result.stdout)).toBeGreaterThanOrEqual(0.8);
  });
});

describe('earshot models', () => {
  it('lists tiny-en as available', async () => {
    const result = await runCli(['models', 'list'], env);
    expect(result.code).toBe(0);
    const row = lines(result.stdout).find((l) => l.startsWith('tiny-en '));
    expect(row).toMatch(/^tiny-en\s+available\s/);
    expect(lines(result.stdout).find((l) => l.startsWith('parakeet-tdt-0.6b-v2 '))).toBeDefined();
  });

  it('verifies the bundled model and the provided Silero VAD', async () => {
    const tiny = await runCli(['models', 'verify', 'tiny-en'], env);
    expect(tiny.code).toBe(0);
    const vad = await runCli(['models', 'verify', 'silero-vad'], env);
    expect(vad.code).toBe(0);
    expect(vad.stdout).toMatch(/^ok\s+silero_vad\.onnx\s+sha256 1a153a22/m);
  });
});
