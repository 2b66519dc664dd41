import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';

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

/** Decodes any file ffmpeg can read (audio or video) to 16 kHz mono float samples. */
export async function decodeAudioFile(path: string, ffmpegPath = 'ffmpeg'): Promise<Float32Array> {
  const info = await stat(path).catch(() => null);
  if (info === null) throw new AudioFileError(`file not found: ${path}`);
  if (!info.isFile()) throw new AudioFileError(`not a file: ${path}`);

  const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', path, '-vn'];
  args.push('-f', 'f32le', '-ac', '1', '-ar', String(DECODED_SAMPLE_RATE), 'pipe:1');
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    // Only the tail matters for the error message; keep memory bounded on chatty inputs.
    stderr = (stderr + text).slice(-8192);
  });

  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new AudioFileError(`ffmpeg is not installed (could not run "${ffmpegPath}")`)
          : err,
      );
    });
    child.on('close', resolve);
  });
  if (code !== 0 && /does not contain any stream/.test(stderr)) {
    throw new AudioFileError(`cannot decode ${path}: it has no audio track`);
  }
  if (code !== 0) {
    // ffmpeg prefixes most input errors with the path; the message already names it once.
    const reason = lastLine(stderr).replace(`${path}: `, '') || `ffmpeg exited with code ${code}`;
    throw new AudioFileError(`cannot decode ${path}: ${reason}`);
  }

  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) throw new AudioFileError(`cannot decode ${path}: it contains no audio`);
  // Copy into a fresh, aligned buffer: Buffer.concat may return a view at an odd offset of a shared pool.
  const samples = new Float32Array(Math.floor(bytes.length / 4));
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 4));
  return samples;
}
