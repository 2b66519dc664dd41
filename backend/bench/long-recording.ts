import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SENTENCES } from './sentences';

const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/long-recordings/', import.meta.url));

/** The bench sentences said once with pauses, looped to `minutes` as a 32 kbit/s MP3 (cached). */
export function ensureLongRecording(minutes: number): string {
  const espeak = execFileSync('espeak-ng', ['--version'], { encoding: 'utf8' }).trim();
  const id = createHash('sha256')
    .update(JSON.stringify([SENTENCES, espeak, minutes]))
    .digest('hex')
    .slice(0, 12);
  const file = join(CACHE_DIR, `talk-${minutes}min-${id}.mp3`);
  if (existsSync(file)) return file;
  mkdirSync(CACHE_DIR, { recursive: true });
  const once = join(CACHE_DIR, `sentences-${id}.wav`);
  execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-g', '6', '-w', once, SENTENCES.join('. ')]);
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-y', '-stream_loop', '-1', '-i', once, '-t', String(minutes * 60)],
    ...['-ac', '1', '-ar', '16000', '-b:a', '32k', `${file}.part.mp3`],
  ]);
  renameSync(`${file}.part.mp3`, file);
  rmSync(once);
  return file;
}
