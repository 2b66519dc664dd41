import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_DIR } from './paths';

/**
 * Speech with blocked words (ones the tiny-en model was trained on) at known times: each phrase
 * is said as three separately synthesised parts, trimmed to their sound and joined with short
 * gaps, so the blocked word's span in the video is exact.
 */
export const FILTER_PHRASES = [
  ['the cat ran to the park', 'damn', 'it was cold'],
  ['she said that', 'shit', 'is so hot'],
  ['we go home', 'hell', 'what a good day'],
] as const;

export const FILTER_MEDIA_FILE = 'filter-speech.mp4';
const TIMINGS_FILE = 'filter-timings.json';
const LEADING_SILENCE_SECONDS = 1;
const PART_GAP_SECONDS = 0.12;
const PHRASE_PAUSE_SECONDS = 1.8;
const WORDS_PER_MINUTE = 140;
/**
 * Said on its own, a single word comes out slow and drawn: at 140 words per minute "shit" was
 * heard as "shirt", offline and in about half the live passes. At 160 and more each blocked word
 * is heard as itself in the offline transcript.
 */
const BLOCKED_WORDS_PER_MINUTE = 170;

export interface SpokenPart {
  text: string;
  blocked: boolean;
  /** Seconds from the start of the video. */
  startSeconds: number;
  endSeconds: number;
}

export interface FilterMedia {
  file: string;
  durationSeconds: number;
  parts: SpokenPart[];
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function seconds(file: string): number {
  return Number(run('soxi', ['-D', file]).trim());
}

export function filterMediaWords(): string[] {
  return [...new Set(FILTER_PHRASES.flat().flatMap((part) => part.split(' ')))];
}

/** Builds the video once per script (cached by its hash) and returns where each part is heard. */
export function ensureFilterMedia(): FilterMedia {
  const timingsFile = join(MEDIA_DIR, TIMINGS_FILE);
  const key = createHash('sha256')
    .update(
      JSON.stringify([
        FILTER_PHRASES,
        LEADING_SILENCE_SECONDS,
        PART_GAP_SECONDS,
        PHRASE_PAUSE_SECONDS,
        WORDS_PER_MINUTE,
        BLOCKED_WORDS_PER_MINUTE,
      ]),
    )
    .digest('hex');
  if (existsSync(timingsFile)) {
    const cached = JSON.parse(readFileSync(timingsFile, 'utf8')) as FilterMedia & { key: string };
    if (cached.key === key) return cached;
  }
  mkdirSync(MEDIA_DIR, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'earshot-filter-media-'));
  try {
    const pieces: string[] = [];
    const parts: SpokenPart[] = [];
    const silence = (length: number) => {
      const file = join(work, `silence-${pieces.length}.wav`);
      run('sox', ['-n', '-r', '48000', '-c', '1', file, 'trim', '0', String(length)]);
      pieces.push(file);
    };
    let clock = LEADING_SILENCE_SECONDS;
    silence(LEADING_SILENCE_SECONDS);
    FILTER_PHRASES.forEach((phrase, p) => {
      phrase.forEach((text, i) => {
        const raw = join(work, `raw-${p}-${i}.wav`);
        const part = join(work, `part-${p}-${i}.wav`);
        const blocked = i === 1;
        const speed = blocked ? BLOCKED_WORDS_PER_MINUTE : WORDS_PER_MINUTE;
        run('espeak-ng', ['-v', 'en-us', '-s', String(speed), '-w', raw, text]);
        // Trim the synthesiser's own leading and trailing silence: the part is its sound only.
        run('sox', [raw, '-r', '48000', '-c', '1', part, 'silence', '1', '0.01', '-45d', 'reverse']);
        const trimmed = join(work, `trimmed-${p}-${i}.wav`);
        run('sox', [part, trimmed, 'silence', '1', '0.01', '-45d', 'reverse']);
        const length = seconds(trimmed);
        parts.push({ text, blocked, startSeconds: clock, endSeconds: clock + length });
        pieces.push(trimmed);
        clock += length;
        const gap = i < phrase.length - 1 ? PART_GAP_SECONDS : PHRASE_PAUSE_SECONDS;
        silence(gap);
        clock += gap;
      });
    });
    const speech = join(work, 'speech.wav');
    run('sox', [...pieces, speech]);
    const file = join(MEDIA_DIR, FILTER_MEDIA_FILE);
    run('ffmpeg', [
      ...['-y', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x3a2e39:s=640x360:r=10', '-i', speech],
      ...[
        '-shortest',
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-tune',
        'stillimage',
        '-pix_fmt',
        'yuv420p',
      ],
      ...['-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', file],
    ]);
    const media: FilterMedia = { file, durationSeconds: seconds(speech), parts };
    writeFileSync(timingsFile, JSON.stringify({ ...media, key }, null, 2));
    return media;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
