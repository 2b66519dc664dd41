import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

// Two phrases made of words tiny-en was trained on (its words.txt), with 1.5 s of silence
// between them: two stretches of speech for VAD, two segments, two subtitle cues.
export const FIRST_PHRASE = 'the cat is on the water';
export const SECOND_PHRASE = 'we like to read a good book';
const SPOKEN = `${FIRST_PHRASE} ${SECOND_PHRASE}`.split(' ');

function ffmpeg(...args: string[]) {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', ...args]);
}

/**
 * Writes the two phrases spoken by espeak-ng into `dir` as speech.wav (22.05 kHz, as espeak-ng
 * writes it: readers must resample), speech.mp3 (stereo 44.1 kHz) and speech.ogg; returns the wav.
 */
export function writeTwoPhraseSpeech(dir: string): string {
  for (const [name, text] of [
    ['first.wav', FIRST_PHRASE],
    ['second.wav', SECOND_PHRASE],
  ] as const) {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', join(dir, name), text]);
  }
  const wav = join(dir, 'speech.wav');
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
  return wav;
}

/**
 * Writes the two phrases of `wav` (as writeTwoPhraseSpeech makes it) over and over, `loops` times
 * after the first, into long.mp3 beside it at 32 kbit/s: a long file that stays small. Returns its path.
 */
export function writeLoopedSpeech(wav: string, loops: number): string {
  const long = join(dirname(wav), 'long.mp3');
  ffmpeg('-stream_loop', String(loops), '-i', wav, '-b:a', '32k', long);
  return long;
}

/** Share of the spoken words found in `text`, in order-insensitive bag-of-words terms. */
export function twoPhraseRecall(text: string): number {
  const remaining: string[] = text.toLowerCase().match(/[a-z']+/g) ?? [];
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

/** Length of a media file in seconds, as ffprobe reads it. */
export function mediaSeconds(path: string): number {
  return Number(
    execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path], {
      encoding: 'utf8',
    }),
  );
}
