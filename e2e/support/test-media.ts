import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEDIA_DIR, TINY_EN_WORD_LISTS } from './paths';

/**
 * What the test media says: everyday words the test model was trained on (espeak-ng voice),
 * one sentence at a time with pauses, so captions have speech to show and silence to clear in.
 */
export const SPOKEN_SENTENCES = [
  'the cat ran to the park',
  'a big dog can walk home',
  'she had hot tea every morning',
  'we go home after school',
  'the green apple is on the tree',
  'my friend will sing a song at night',
] as const;

/** A second video's script, in words the first never says: tells the two videos' captions apart. */
export const SECOND_VIDEO_SENTENCES = [
  'the fish can swim in the river',
  'a blue bird is by the window',
  'the boy will read a book',
  'open the door of the small house',
  'the baby will sleep in the warm bed',
] as const;

const LEADING_SILENCE_SECONDS = 1.0;
const PAUSE_SECONDS = 1.6;

export interface SpokenSentence {
  text: string;
  /** When the sentence is heard, in seconds from the start of the media. */
  startSeconds: number;
  endSeconds: number;
}

export interface TestMedia {
  video: string;
  audio: string;
  durationSeconds: number;
  sentences: SpokenSentence[];
}

export interface MediaScript {
  sentences: readonly string[];
  files: { video: string; audio: string; timings: string };
  /** The espeak-ng voice; default en-us. */
  voice?: string;
}

export const MEDIA_FILES = { video: 'speech.mp4', audio: 'speech.ogg', timings: 'timings.json' } as const;
const FIRST_SCRIPT: MediaScript = { sentences: SPOKEN_SENTENCES, files: MEDIA_FILES };
export const SECOND_SCRIPT: MediaScript = {
  sentences: SECOND_VIDEO_SENTENCES,
  files: { video: 'speech-2.mp4', audio: 'speech-2.ogg', timings: 'timings-2.json' },
};

/**
 * A German video's script in words of tiny-canary's bilingual list, with each sentence's word-by-word
 * English translation (what the model learned to translate).
 */
export const GERMAN_SENTENCES = [
  { de: 'Hund trinken Wasser und Katze essen Fisch', en: 'dog drink water and cat eat fish' },
  { de: 'Mutter kochen Suppe heute Abend', en: 'mother cook soup today evening' },
  { de: 'Vater lesen Buch und Kind spielen', en: 'father read book and child play' },
  { de: 'Vogel fliegen hoch und schnell', en: 'bird fly high and fast' },
] as const;

export const GERMAN_SCRIPT: MediaScript = {
  sentences: GERMAN_SENTENCES.map((s) => s.de),
  files: { video: 'german.mp4', audio: 'german.ogg', timings: 'timings-german.json' },
  voice: 'de',
};

export function spokenWords(sentences: readonly string[] = SPOKEN_SENTENCES): string[] {
  return [...new Set(sentences.flatMap((s) => s.split(' ')))];
}

/** Words of the script that tiny-en was not trained on. */
export function wordsOutsideTinyEnVocabulary(): string[] {
  const wordList = TINY_EN_WORD_LISTS.find((file) => existsSync(file));
  if (!wordList) throw new Error(`tiny-en word list not found (looked for ${TINY_EN_WORD_LISTS.join(', ')})`);
  const known = new Set(
    readFileSync(wordList, 'utf8')
      .split(/\s+/)
      .map((w) => w.trim().toLowerCase())
      .filter(Boolean),
  );
  return spokenWords([...SPOKEN_SENTENCES, ...SECOND_VIDEO_SENTENCES]).filter((w) => !known.has(w));
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function durationSeconds(file: string): number {
  return Number(run('soxi', ['-D', file]).trim());
}

/** Builds the speech video (mp4: still colour frame + AAC) and an audio-only file; cached by script. */
export function ensureTestMedia(script: MediaScript = FIRST_SCRIPT): TestMedia {
  const timingsFile = join(MEDIA_DIR, script.files.timings);
  const key = createHash('sha256')
    .update(
      JSON.stringify([script.sentences, LEADING_SILENCE_SECONDS, PAUSE_SECONDS, script.files, script.voice]),
    )
    .digest('hex');
  if (existsSync(timingsFile)) {
    const cached = JSON.parse(readFileSync(timingsFile, 'utf8')) as TestMedia & { key: string };
    if (cached.key === key) return cached;
  }
  mkdirSync(MEDIA_DIR, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'earshot-media-'));
  try {
    const parts: string[] = [];
    const sentences: SpokenSentence[] = [];
    let clock = LEADING_SILENCE_SECONDS;
    script.sentences.forEach((text, i) => {
      const raw = join(work, `raw-${i}.wav`);
      const part = join(work, `part-${i}.wav`);
      run('espeak-ng', ['-v', script.voice ?? 'en-us', '-s', '140', '-w', raw, text]);
      const lead = i === 0 ? LEADING_SILENCE_SECONDS : 0;
      run('sox', [raw, '-r', '48000', '-c', '1', part, 'pad', String(lead), String(PAUSE_SECONDS)]);
      const spoken = durationSeconds(raw);
      sentences.push({ text, startSeconds: clock, endSeconds: clock + spoken });
      clock += spoken + PAUSE_SECONDS;
      parts.push(part);
    });
    const speech = join(work, 'speech.wav');
    run('sox', [...parts, speech]);
    const video = join(MEDIA_DIR, script.files.video);
    run('ffmpeg', [
      ...['-y', '-v', 'error', '-f', 'lavfi', '-i', 'color=c=0x1d3557:s=640x360:r=10', '-i', speech],
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
      ...['-c:a', 'aac', '-b:a', '96k', '-movflags', '+faststart', video],
    ]);
    const audio = join(MEDIA_DIR, script.files.audio);
    run('ffmpeg', ['-y', '-v', 'error', '-i', speech, '-c:a', 'libopus', '-b:a', '48k', audio]);
    const media: TestMedia = { video, audio, durationSeconds: durationSeconds(speech), sentences };
    writeFileSync(timingsFile, JSON.stringify({ ...media, key }, null, 2));
    return media;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
