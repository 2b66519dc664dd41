import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctmProblems, ctmWords } from '../ctm-validator';
import { belowBarNote, tinyEnBelowBar } from '../tiny-en-status';
import { mediaSeconds, twoPhraseRecall, writeTwoPhraseSpeech } from '../two-phrase-speech';
import { type CliRun, lines, runCli } from './run-cli';

let dir: string;
let wav: string;
const env = { HF_HUB_OFFLINE: '1', EARSHOT_DEBUG: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'earshot-cli-transcribe-'));
  wav = writeTwoPhraseSpeech(dir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recall = twoPhraseRecall;

interface JsonWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

interface JsonTranscript {
  text: string;
  segments: { start: number; end: number; text: string; words: JsonWord[] }[];
  words: JsonWord[];
}

const runs = new Map<string, Promise<CliRun>>();
/** One CLI run per file and format, shared by the format tests and the recognition tests. */
function transcribe(name: string, format: string): Promise<CliRun> {
  const key = `${name} ${format}`;
  let run = runs.get(key);
  if (!run) {
    run = runCli(['transcribe', join(dir, name), '--model', 'tiny-en', '--format', format], env);
    runs.set(key, run);
  }
  return run;
}

async function succeeded(name: string, format: string): Promise<string> {
  const result = await transcribe(name, format);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
}

const SRT_CUE = /^(\d+)\n(\d{2}:\d{2}:\d{2},\d{3}) --> (\d{2}:\d{2}:\d{2},\d{3})\n(.+)$/s;
const VTT_CUE = /^(\d{2}:\d{2}:\d{2}\.\d{3}) --> (\d{2}:\d{2}:\d{2}\.\d{3})\n(.+)$/s;

describe('earshot transcribe --model tiny-en: output formats', () => {
  it('writes JSON whose words are in time order, inside the audio, and grouped into the segments', async () => {
    const transcript = JSON.parse(await succeeded('speech.wav', 'json')) as JsonTranscript;
    expect(typeof transcript.text).toBe('string');
    expect(Array.isArray(transcript.words)).toBe(true);
    const duration = mediaSeconds(wav);
    for (const [i, w] of transcript.words.entries()) {
      expect(w.word.length).toBeGreaterThan(0);
      expect(w.start).toBeGreaterThanOrEqual(0);
      expect(w.end).toBeGreaterThanOrEqual(w.start);
      expect(w.end).toBeLessThanOrEqual(duration + 0.1);
      expect(w.confidence).toBeGreaterThan(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
      if (i > 0) expect(w.start).toBeGreaterThanOrEqual(transcript.words[i - 1]?.end ?? 0);
    }
    expect(transcript.segments.flatMap((s) => s.words)).toEqual(transcript.words);
    for (const s of transcript.segments) {
      expect(s.text).toBe(s.words.map((w) => w.word).join(' '));
      expect([s.start, s.end]).toEqual([s.words[0]?.start, s.words.at(-1)?.end]);
    }
  });

  it('writes SubRip cues numbered from 1, in time order', async () => {
    const srt = await succeeded('speech.wav', 'srt');
    const cues = srt.length === 0 ? [] : srt.replace(/\n$/, '').split('\n\n');
    let previousEnd = '';
    cues.forEach((cue, i) => {
      const [, index, start = '', end = '', text] = SRT_CUE.exec(cue) ?? [];
      expect(index, cue).toBe(String(i + 1));
      expect(start >= previousEnd && end >= start).toBe(true);
      expect(text?.trim().length).toBeGreaterThan(0);
      previousEnd = end;
    });
  });

  it('writes a WebVTT file with its header and well-formed cues', async () => {
    const vtt = await succeeded('speech.wav', 'vtt');
    expect(vtt.startsWith('WEBVTT\n')).toBe(true);
    const cues = vtt.replace(/^WEBVTT\n\n?/, '').replace(/\n$/, '');
    for (const cue of cues.length === 0 ? [] : cues.split('\n\n')) expect(cue).toMatch(VTT_CUE);
  });

  it.each(['speech.wav', 'speech.mp3', 'speech.ogg'])('decodes %s and writes plain text', async (name) => {
    const txt = await succeeded(name, 'txt');
    for (const line of lines(txt)) expect(line.trim()).toBe(line);
  });
});

describe('earshot transcribe --format ctm', () => {
  it("writes one line per word that sctk's CTM validator accepts, with the JSON output's words and times", async () => {
    const ctm = await succeeded('speech.wav', 'ctm');
    expect(ctmProblems(ctm)).toBeNull();
    const { words } = JSON.parse(await succeeded('speech.wav', 'json')) as JsonTranscript;
    const rows = ctmWords(ctm);
    expect(rows.map((r) => r.file)).toEqual(words.map(() => 'speech'));
    expect(rows.map((r) => r.word)).toEqual(words.map((w) => w.word));
    for (const [i, row] of rows.entries()) {
      expect(row.start).toBeCloseTo(words[i]?.start ?? -1, 1);
      expect(row.end).toBeCloseTo(words[i]?.end ?? -1, 1);
    }
  });
});

describe.skipIf(tinyEnBelowBar)(`earshot transcribe --model tiny-en: what it hears${belowBarNote}`, () => {
  it('finds the spoken words, with a segment for each phrase', async () => {
    const transcript = JSON.parse(await succeeded('speech.wav', 'json')) as JsonTranscript;
    expect(recall(transcript.text)).toBeGreaterThanOrEqual(0.8);
    expect(transcript.words.length).toBeGreaterThanOrEqual(8);
    expect(transcript.segments).toHaveLength(2);
    const [first, second] = transcript.segments;
    expect(recall(`${first?.text}`)).toBeGreaterThan(0.3);
    expect((second?.start ?? 0) - (first?.end ?? 0)).toBeGreaterThan(0.7);
  });

  it('writes one SubRip and one WebVTT cue per phrase', async () => {
    const srt = await succeeded('speech.wav', 'srt');
    expect(srt.trim().split('\n\n')).toHaveLength(2);
    expect(recall(srt)).toBeGreaterThanOrEqual(0.8);
    const vtt = await succeeded('speech.wav', 'vtt');
    expect(vtt.trim().split('\n\n')).toHaveLength(3);
  });

  it.each(['speech.wav', 'speech.mp3', 'speech.ogg'])('hears the words in %s', async (name) => {
    const txt = await succeeded(name, 'txt');
    expect(lines(txt)).toHaveLength(2);
    expect(recall(txt)).toBeGreaterThanOrEqual(0.8);
  });
});

describe('earshot models', () => {
  it('lists tiny-en as available, and which devices each variant suits', async () => {
    const result = await runCli(['models', 'list'], env);
    expect(result.code).toBe(0);
    const row = (id: string) => lines(result.stdout).find((l) => l.startsWith(`${id} `));
    expect(lines(result.stdout)[0]).toMatch(/^MODEL\s+STATE\s+SUITS\s+DESCRIPTION\s+LOCATION$/);
    expect(row('tiny-en')).toMatch(/^tiny-en\s+available\s+cpu,cuda,webgpu\s/);
    expect(row('parakeet-tdt-0.6b-v2')).toMatch(/\scuda,webgpu\s/);
    expect(row('parakeet-tdt-0.6b-v2-int8')).toMatch(/\scpu\s/);
    expect(row('whisper-small-fp16')).toMatch(/\scuda,webgpu\s/);
  });

  it('verifies the bundled model and the provided Silero VAD', async () => {
    const tiny = await runCli(['models', 'verify', 'tiny-en'], env);
    expect(tiny.code).toBe(0);
    const vad = await runCli(['models', 'verify', 'silero-vad'], env);
    expect(vad.code).toBe(0);
    expect(vad.stdout).toMatch(/^ok\s+silero_vad\.onnx\s+sha256 1a153a22/m);
  });
});
