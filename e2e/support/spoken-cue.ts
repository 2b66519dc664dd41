import type { TranscriptCue } from '@earshot/shared';

/** A cached transcript cue whose words are said 0.3 s apart from `start` (media seconds). */
export function spokenCue(text: string, start: number): TranscriptCue {
  const words = text.split(' ');
  return {
    start_seconds: start,
    end_seconds: start + words.length * 0.3,
    text,
    words: words.map((word, i) => ({
      word,
      start_seconds: start + i * 0.3,
      end_seconds: start + i * 0.3 + 0.25,
      confidence: 1,
    })),
  };
}
