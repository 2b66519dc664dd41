/**
 * One entry of a block or allow list, as the user types it: a single word, case-insensitive,
 * matched as a whole word together with its plural, -ing, -ed and -er forms. `*` stands for any
 * run of letters (also none) and `?` for exactly one letter, so `f*ck` and `sh?t` are patterns.
 */
export interface WordEntry {
  /** The entry as written (trimmed, lower case). */
  source: string;
  matches(word: string): boolean;
}

export type ParsedEntry = { ok: true; entry: WordEntry } | { ok: false; error: string };

const ENTRY_CHARACTERS = /^[\p{L}\p{N}'*?-]+$/u;
const LETTER = "[\\p{L}\\p{N}']";

/** Endings added to an entry: plural and possessive, -ed, -ing (also "-in'", whose apostrophe is read as punctuation), -er(s), -y. */
const SUFFIXES = ['s', 'es', "'s", 'ed', 'd', 'ing', 'in', 'er', 'ers', 'y'];
/** Endings after which a short word doubles its last letter (shitty, crapped). */
const DOUBLING_SUFFIXES = ['ed', 'ing', 'in', 'er', 'ers', 'y'];

/** A token of speech as matched: lower case, typographic apostrophes made plain. */
export function normalizeWord(word: string): string {
  return word
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'");
}

function escapeLiteral(text: string): string {
  return text.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
}

function patternSource(entry: string): string {
  return [...entry].map((c) => (c === '*' ? `${LETTER}*` : c === '?' ? LETTER : escapeLiteral(c))).join('');
}

function variantSource(entry: string): string {
  if (entry.endsWith('*')) return '';
  const last = entry.at(-1) ?? '';
  const endings = [...SUFFIXES];
  if (/^\p{L}$/u.test(last)) endings.push(...DOUBLING_SUFFIXES.map((s) => last + s));
  return `(?:${endings.map(escapeLiteral).join('|')})?`;
}

export function parseWordEntry(text: string): ParsedEntry {
  const source = normalizeWord(text.trim());
  if (source.length === 0) return { ok: false, error: 'An entry cannot be empty.' };
  if (/\s/.test(source)) return { ok: false, error: `"${text.trim()}": one word per entry.` };
  if (!ENTRY_CHARACTERS.test(source)) {
    return {
      ok: false,
      error: `"${text.trim()}": use letters, digits, apostrophes and hyphens, with * or ? as wildcards.`,
    };
  }
  if (!/[\p{L}\p{N}]/u.test(source)) {
    return { ok: false, error: `"${text.trim()}": a pattern needs at least one letter besides wildcards.` };
  }
  const regex = new RegExp(`^${patternSource(source)}${variantSource(source)}$`, 'u');
  return { ok: true, entry: { source, matches: (word) => regex.test(word) } };
}

/** Entries from text with one entry per line or comma; blank ones are skipped. */
export function parseWordList(text: string): { entries: WordEntry[]; errors: string[] } {
  const entries: WordEntry[] = [];
  const errors: string[] = [];
  for (const item of text.split(/[\n,]/)) {
    if (item.trim().length === 0) continue;
    const parsed = parseWordEntry(item);
    if (parsed.ok) entries.push(parsed.entry);
    else errors.push(parsed.error);
  }
  return { entries, errors };
}
