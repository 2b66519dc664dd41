import type { Word } from '../protocol';
import { DEFAULT_BLOCKED_WORDS } from './default-words';
import { normalizeWord, parseWordEntry, type WordEntry } from './word-entry';

export interface WordFilterLists {
  useDefaultList: boolean;
  blockedWords: readonly string[];
  allowedWords: readonly string[];
  /** Matches on words heard with less confidence are masked but only muted when `muteLowConfidence`. */
  minConfidence: number;
  muteLowConfidence: boolean;
}

/** A blocked word found in a run of timed words. */
export interface FilterHit {
  /** Indices of the words it covers: one, or two when the recognizer split the word in two. */
  indices: number[];
  start_seconds: number;
  end_seconds: number;
  confidence: number;
  /** Whether the audio should be silenced (always masked in captions). */
  mute: boolean;
  /** Where the word after it starts, when the run has one: the padding after the hit stops there. */
  next_start_seconds?: number;
}

/** A blocked word's stretch in any one clock, and where the word after it starts. */
export interface BlockedSpan {
  start: number;
  end: number;
  nextStart?: number;
}

/** A hit's own stretch, in the clock of the words it was found in. */
export function blockedSpan(hit: FilterHit): BlockedSpan {
  return { start: hit.start_seconds, end: hit.end_seconds, nextStart: hit.next_start_seconds };
}

/**
 * The stretch to silence for a blocked word: padded by `pad` on each side for the recognizer's
 * timing error, except into the word after it. A word's end is the less certain edge and may run
 * on to the next word's start, and that word's own start comes a little late rather than early:
 * padding past it cut the start of the next phrase.
 */
export function silenceSpan(span: BlockedSpan, pad: number): { start: number; end: number } {
  const limit = span.nextStart ?? Number.POSITIVE_INFINITY;
  return { start: span.start - pad, end: Math.max(span.end, Math.min(span.end + pad, limit)) };
}

/**
 * Two neighbouring words this close together (seconds) may be one word the recognizer split,
 * e.g. at the edge of its window: "bull" + "shit".
 */
export const SPLIT_WORD_GAP_SECONDS = 0.12;

/** Edge punctuation of a token: quotes, commas, brackets... (inner apostrophes and hyphens stay). */
const EDGES = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/su;

function splitEdges(token: string): [string, string, string] {
  const match = EDGES.exec(token);
  return [match?.[1] ?? '', match?.[2] ?? token, match?.[3] ?? ''];
}

function maskCore(core: string): string {
  const letters = [...core];
  return letters.map((c, i) => (i === 0 || !/[\p{L}\p{N}]/u.test(c) ? c : '*')).join('');
}

/**
 * Decides which spoken words are blocked and how they are shown. Whole words only: a blocked
 * entry never matches inside another word ("hell" does not touch "hello" or "shell").
 */
export class WordFilter {
  private readonly blocked: WordEntry[];
  private readonly allowed: WordEntry[];

  constructor(private readonly lists: WordFilterLists) {
    const parse = (words: readonly string[]) =>
      words.flatMap((w) => {
        const parsed = parseWordEntry(w);
        return parsed.ok ? [parsed.entry] : [];
      });
    this.blocked = parse([...(lists.useDefaultList ? DEFAULT_BLOCKED_WORDS : []), ...lists.blockedWords]);
    this.allowed = parse(lists.allowedWords);
  }

  /** Whether one bare word (no surrounding punctuation) is blocked. */
  private blocksCore(core: string): boolean {
    const word = normalizeWord(core);
    if (word.length === 0 || this.allowed.some((e) => e.matches(word))) return false;
    if (this.blocked.some((e) => e.matches(word))) return true;
    // "half-assed": a hyphenated compound is blocked when one of its parts is.
    return word.includes('-') && word.split('-').some((part) => part !== word && this.blocksCore(part));
  }

  /** Whether a token as it appears in text (punctuation and all) holds a blocked word. */
  blocks(token: string): boolean {
    return this.blocksCore(splitEdges(token)[1]);
  }

  /** The token with each blocked word masked to its first letter and asterisks: "Damn!" → "D***!". */
  mask(token: string): string {
    const [lead, core, trail] = splitEdges(token);
    const word = normalizeWord(core);
    if (word.length === 0 || this.allowed.some((e) => e.matches(word))) return token;
    if (this.blocked.some((e) => e.matches(word))) return lead + maskCore(core) + trail;
    if (!core.includes('-')) return token;
    return (
      lead +
      core
        .split('-')
        .map((part) => (this.blocksCore(part) ? maskCore(part) : part))
        .join('-') +
      trail
    );
  }

  /**
   * Blocked words in a run of timed words, in order. `words` may span several segments: a word
   * the recognizer split across two neighbouring tokens is found when the two are joined.
   */
  hits(words: readonly Word[]): FilterHit[] {
    const hits: FilterHit[] = [];
    const hit = (indices: number[]): FilterHit => {
      const covered = indices.map((i) => words[i] as Word);
      const confidence = Math.min(...covered.map((w) => w.confidence));
      const after = words[Math.max(...indices) + 1];
      return {
        indices,
        start_seconds: Math.min(...covered.map((w) => w.start_seconds)),
        end_seconds: Math.max(...covered.map((w) => w.end_seconds)),
        confidence,
        mute: confidence >= this.lists.minConfidence || this.lists.muteLowConfidence,
        ...(after ? { next_start_seconds: after.start_seconds } : {}),
      };
    };
    for (let i = 0; i < words.length; i++) {
      const word = words[i] as Word;
      if (this.blocks(word.word)) {
        hits.push(hit([i]));
        continue;
      }
      const next = words[i + 1];
      if (next && !this.blocks(next.word) && this.isSplitWord(word, next)) {
        hits.push(hit([i, i + 1]));
        i++;
      }
    }
    return hits;
  }

  /** The words as they are shown: blocked ones (split ones included) masked. */
  maskWords(words: readonly Word[]): Word[] {
    const masked = words.map((w) => ({ ...w }));
    for (const hit of this.hits(words)) {
      if (hit.indices.length === 1) {
        const w = masked[hit.indices[0] as number] as Word;
        w.word = this.mask(w.word);
      } else {
        for (const i of hit.indices) {
          const w = masked[i] as Word;
          const [lead, core, trail] = splitEdges(w.word);
          w.word = lead + maskCore(core) + trail;
        }
      }
    }
    return masked;
  }

  private isSplitWord(first: Word, second: Word): boolean {
    if (second.start_seconds - first.end_seconds > SPLIT_WORD_GAP_SECONDS) return false;
    const [, firstCore, firstTrail] = splitEdges(first.word);
    const [secondLead, secondCore] = splitEdges(second.word);
    // Punctuation between the two means the recognizer heard two words.
    if (firstTrail.length > 0 || secondLead.length > 0) return false;
    return this.blocksCore(firstCore + secondCore);
  }
}
