import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { joinSamples } from './join-samples';

export const DECODED_SAMPLE_RATE = 16_000;

/** A file that does not exist or that ffmpeg cannot turn into audio; the message is meant for the user. */
export class AudioFileError extends Error {
  override name = 'AudioFileError';
}

function lastLine(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines[lines.length - 1] ?? '';
}

/** Decodes any file ffmpeg can read (audio or video) to 16 kHz mono float samples, all in memory. */
export async function decodeAudioFile(path: string, ffmpegPath = 'ffmpeg'): Promise<Float32Array> {
  const pieces: Float32Array[] = [];
  for await (const piece of streamAudioFile(path, ffmpegPath)) pieces.push(piece);
  return joinSamples(pieces);
}

/**
 * Decodes a file as decodeAudioFile does, yielding the samples piece by piece as ffmpeg writes them,
 * so a long file never has to be in memory at once (ffmpeg waits while the pieces are not taken).
 * A file ffmpeg cannot decode throws once its output has ended; stopping early ends ffmpeg.
 */
export async function* streamAudioFile(
  path: string,
  ffmpegPath = 'ffmpeg',
): AsyncGenerator<Float32Array, void, undefined> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new AudioFileError(`file not found: ${path}`);
  if (!info.isFile()) throw new AudioFileError(`not a file: ${path}`);

  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', path, '-vn'];
  args.push('-f', 'f32le', '-ac', '1', '-ar', String(DECODED_SAMPLE_RATE), 'pipe:1');
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    // Only the tail matters for the error message; keep memory bounded on chatty inputs.
    stderr = (stderr + text).slice(-8192);
  });
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new AudioFileError(`ffmpeg is not installed (could not run "${ffmpegPath}")`)
          : err,
      );
    });
    child.on('close', resolve);
  });
  // Read only after the output ends; until then a failure to start must not be an unhandled rejection.
  exit.catch(() => {});

  let carry = Buffer.alloc(0);
  let total = 0;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      // A pipe read can end inside a 4-byte sample; its bytes wait for the next read.
      const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      const whole = bytes.length - (bytes.length % 4);
      carry = Buffer.from(bytes.subarray(whole));
      if (whole === 0) continue;
      // Copied into a fresh, aligned buffer: a pipe chunk may be a view at an odd offset of a shared pool.
      const samples = new Float32Array(whole / 4);
      new Uint8Array(samples.buffer).set(bytes.subarray(0, whole));
      total += samples.length;
      yield samples;
    }
    const code = await exit;
    if (code !== 0 && /does not contain any stream/.test(stderr)) {
      throw new AudioFileError(`cannot decode ${path}: it has no audio track`);
    }
    if (code !== 0) {
      // ffmpeg prefixes most input errors with the path; the message already names it once.
      const reason = lastLine(stderr).replace(`${path}: `, '') || `ffmpeg exited with code ${code}`;
      throw new AudioFileError(`cannot decode ${path}: ${reason}`);
    }
    if (total === 0) throw new AudioFileError(`cannot decode ${path}: it contains no audio`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
