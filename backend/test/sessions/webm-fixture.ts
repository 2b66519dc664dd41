import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SpeechRecording {
  webm: Buffer;
  /** Duration of the spoken audio in seconds. */
  seconds: number;
}

/** Speaks `text` with espeak-ng and encodes it as WebM/Opus, like a MediaRecorder recording. */
export async function speechWebm(
  text: string,
  options: { speed?: number; voice?: string } = {},
): Promise<SpeechRecording> {
  const dir = await mkdtemp(join(tmpdir(), 'earshot-speech-'));
  try {
    const wav = join(dir, 'speech.wav');
    const webm = join(dir, 'speech.webm');
    await run('espeak-ng', [
      '-v',
      options.voice ?? 'en-us',
      '-s',
      String(options.speed ?? 150),
      '-w',
      wav,
      text,
    ]);
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      wav,
      '-c:a',
      'libopus',
      '-b:a',
      '48k',
      '-f',
      'webm',
      webm,
    ]);
    const probe = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      wav,
    ]);
    return { webm: await readFile(webm), seconds: Number(probe.stdout.trim()) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 16 kHz mono samples encoded as WebM/Opus, the way MediaRecorder sends a tab's audio. */
export function samplesToWebm(samples: Float32Array): Buffer {
  return execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'f32le', '-ar', '16000', '-ac', '1'],
      ...['-i', 'pipe:0', '-c:a', 'libopus', '-b:a', '48k', '-f', 'webm', 'pipe:1'],
    ],
    { input: Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength) },
  );
}

/** Decodes a whole file at once: the reference the streamed decode must match. */
export async function decodeWhole(webm: Buffer): Promise<Float32Array> {
  const dir = await mkdtemp(join(tmpdir(), 'earshot-ref-'));
  try {
    const input = join(dir, 'in.webm');
    const output = join(dir, 'out.f32');
    await writeFile(input, webm);
    await run('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-i',
      input,
      '-ac',
      '1',
      '-ar',
      '16000',
      '-f',
      'f32le',
      output,
    ]);
    const bytes = await readFile(output);
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Cuts a byte stream into pieces of roughly `approxBytes` (±40%) at offsets that ignore the container's
 * element boundaries, as MediaRecorder timeslices do. Deterministic for a given seed.
 */
export function cutAtArbitraryOffsets(bytes: Buffer, approxBytes: number, seed = 1): Buffer[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, Math.round(approxBytes * (0.6 + 0.8 * random())));
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

/** Bytes of WebM/Opus at 48 kb/s in about one second: the size of a 1 s MediaRecorder chunk. */
export const ONE_SECOND_OF_WEBM = 6_000;
