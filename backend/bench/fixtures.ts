import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeAudioFile } from '../src/audio/file-decoder';
import { joinSamples } from '../src/audio/join-samples';
import { transcribeLong } from '../src/engine';
import type { Recognizer } from '../src/engine/types';
import type { ResolvedModel } from '../src/models/store';
import { SENTENCES } from './sentences';
import { readWebmPackets, type WebmPacket } from './webm-chunks';
import type { TimedText } from './word-latency';

/** What Chrome's MediaRecorder makes of tab audio: 48 kHz stereo Opus in 60 ms frames, live WebM. */
const RECORDER_ENCODING = [
  ['-ac', '2', '-ar', '48000', '-c:a', 'libopus', '-b:a', '32k', '-frame_duration', '60'],
  ['-application', 'audio', '-f', 'webm', '-live', '1'],
].flat();
const RATE = 48_000;
const LEADING_SILENCE = 0.5;
const TRAILING_SILENCE = 0.8;

export interface FixtureSpec {
  /** Most seconds of audio; sentences are added while they fit. */
  seconds: number;
  /** Picks the order of the sentences and the length of the pauses. */
  seed: number;
  wordsPerMinute: number;
}

export interface SpokenSentence {
  text: string;
  start: number;
  end: number;
}

export interface Fixture {
  id: string;
  webm: Buffer;
  packets: WebmPacket[];
  durationSeconds: number;
  /** The spoken text, the reference for word error rates. */
  text: string;
  sentences: SpokenSentence[];
}

/** The model's own transcript of the whole file at once: the timing reference for streamed words. */
export interface OfflineTranscript {
  text: string;
  words: TimedText[];
}

/** Builds (or takes from the cache) one fixture recording. */
/** Distinct recordings; tab i streams recording i mod this, so neighbouring tabs say different things. */
export const DISTINCT_FIXTURES = 4;
const SPEAKING_RATES = [150, 165, 140, 175];

/** The bench's recordings for `tabs` tabs, of at most `seconds` each, each at its own speaking rate. */
export async function benchFixtures(tabs: number, seconds: number, cacheDir: string): Promise<Fixture[]> {
  const fixtures: Fixture[] = [];
  for (let i = 0; i < Math.min(DISTINCT_FIXTURES, tabs); i++) {
    const spec = { seconds, seed: i + 1, wordsPerMinute: SPEAKING_RATES[i] ?? 150 };
    fixtures.push(await ensureFixture(spec, cacheDir));
  }
  return fixtures;
}

/** Names a model's version for cached offline transcripts: a retrained encoder gets new ones. */
export function modelVersionKey(model: ResolvedModel): string {
  const encoderTime = Math.round(statSync(join(model.dir, model.encoderFile)).mtimeMs);
  return `${model.id}-${encoderTime}`.replace(/[^\w.-]/g, '_');
}

export async function ensureFixture(spec: FixtureSpec, cacheDir: string): Promise<Fixture> {
  const espeakVersion = execFileSync('espeak-ng', ['--version'], { encoding: 'utf8' }).trim();
  const id = createHash('sha256')
    .update(JSON.stringify([spec, SENTENCES, RECORDER_ENCODING, LEADING_SILENCE, espeakVersion]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(cacheDir, 'fixtures', id);
  const webmFile = join(dir, 'audio.webm');
  const infoFile = join(dir, 'fixture.json');
  if (!existsSync(infoFile)) {
    await mkdir(dir, { recursive: true });
    const { pcm, sentences } = speakSentences(spec);
    const rawFile = join(dir, 'audio.f32');
    await writeFile(rawFile, Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'f32le', '-ar', String(RATE), '-ac', '1', '-i', rawFile],
      ...RECORDER_ENCODING,
      webmFile,
    ]);
    await rm(rawFile);
    await writeFile(`${infoFile}.partial`, JSON.stringify({ sentences }));
    await rename(`${infoFile}.partial`, infoFile);
  }
  const { sentences } = JSON.parse(await readFile(infoFile, 'utf8')) as { sentences: SpokenSentence[] };
  const packets = await readWebmPackets(webmFile);
  return {
    id,
    webm: await readFile(webmFile),
    packets,
    durationSeconds: Math.max(...packets.map((p) => p.end)),
    text: sentences.map((s) => s.text).join(' '),
    sentences,
  };
}

/** Transcribes the whole fixture offline with the model under test (cached per model version). */
export async function offlineTranscript(
  fixture: Fixture,
  recognizer: Recognizer,
  modelKey: string,
  cacheDir: string,
): Promise<OfflineTranscript> {
  const file = join(cacheDir, 'fixtures', fixture.id, `offline-${modelKey}.json`);
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as OfflineTranscript;
  const samples = await decodeAudioFile(join(cacheDir, 'fixtures', fixture.id, 'audio.webm'));
  const result = await transcribeLong(recognizer, samples);
  const transcript: OfflineTranscript = {
    text: result.text,
    words: result.words.map((w) => ({ word: w.word, start: w.start, end: w.end })),
  };
  await writeFile(file, JSON.stringify(transcript));
  return transcript;
}

function speakSentences(spec: FixtureSpec): { pcm: Float32Array; sentences: SpokenSentence[] } {
  let state = spec.seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const order = SENTENCES.map((text) => ({ text, key: random() })).sort((a, b) => a.key - b.key);
  const parts: Float32Array[] = [new Float32Array(Math.round(LEADING_SILENCE * RATE))];
  const sentences: SpokenSentence[] = [];
  let clock = LEADING_SILENCE;
  for (let i = 0; ; i++) {
    const text = (order[i % order.length] as { text: string }).text;
    const voice = speak(text, spec.wordsPerMinute);
    const pause = 0.4 + random();
    const seconds = voice.length / RATE;
    if (sentences.length > 0 && clock + seconds + TRAILING_SILENCE > spec.seconds) break;
    sentences.push({ text, start: clock, end: clock + seconds });
    parts.push(voice, new Float32Array(Math.round(pause * RATE)));
    clock += seconds + pause;
  }
  // The recording ends a little after the last sentence, not after a full pause.
  parts.splice(-1, 1, new Float32Array(Math.round(TRAILING_SILENCE * RATE)));
  return { pcm: joinSamples(parts), sentences };
}

function speak(text: string, wordsPerMinute: number): Float32Array {
  const wav = execFileSync('espeak-ng', ['-v', 'en-us', '-s', String(wordsPerMinute), '--stdout', text], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const raw = execFileSync(
    'ffmpeg',
    [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      'pipe:0',
      '-ac',
      '1',
      '-ar',
      String(RATE),
      '-f',
      'f32le',
      'pipe:1',
    ],
    { input: wav, maxBuffer: 256 * 1024 * 1024 },
  );
  return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4).slice();
}
