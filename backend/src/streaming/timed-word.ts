/** A recognized word placed on the recording's timeline (seconds from the recording's start). */
export interface TimedWord {
  word: string;
  start: number;
  end: number;
  confidence: number;
}

/** Case and punctuation do not make two hypotheses disagree about a word. */
export function sameWordText(a: string, b: string): boolean {
  return normalizeWord(a) === normalizeWord(b);
}

function normalizeWord(word: string): string {
  return word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');
}
