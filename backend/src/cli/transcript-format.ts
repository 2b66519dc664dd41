import { toSrt, toWebVtt } from '@earshot/shared';
import type { RecognitionResult, RecognizedWord } from '../engine/types';
import { toCaptions } from '../transcript/captions';
import { toCtm } from '../transcript/ctm';
import { segmentWords } from '../transcript/segments';

export const TRANSCRIPT_FORMATS = ['json', 'txt', 'srt', 'vtt', 'ctm'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

const ms = (seconds: number) => Math.round(seconds * 1000) / 1000;

function jsonWord(w: RecognizedWord): RecognizedWord {
  return { word: w.word, start: ms(w.start), end: ms(w.end), confidence: ms(w.confidence) };
}

/**
 * A file transcript in the asked format; times are seconds from the start of the file. JSON has
 * the recognizer's word times; subtitle cues are held long enough to read (see toCaptions). CTM names
 * the recording after `file`.
 */
export function formatTranscript(result: RecognitionResult, format: TranscriptFormat, file: string): string {
  const segments = segmentWords(result.words);
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          text: result.text,
          segments: segments.map((s) => ({
            start: ms(s.start),
            end: ms(s.end),
            text: s.text,
            words: s.words.map(jsonWord),
          })),
          words: result.words.map(jsonWord),
        },
        null,
        2,
      )}\n`;
    case 'txt':
      return segments.map((s) => `${s.text}\n`).join('');
    case 'srt':
      return toSrt(toCaptions(segments));
    case 'vtt':
      return toWebVtt(toCaptions(segments));
    case 'ctm':
      return toCtm(result.words, file);
  }
}
