import { describe, expect, it } from 'vitest';
import type { Segment, Word } from '../src/protocol';
import {
  DEFAULT_WORD_FILTER_SETTINGS,
  filterEnabledOn,
  maskSegments,
  maskText,
  normalizeSite,
  parseWordEntry,
  parseWordList,
  readWordFilterSettings,
  silenceSpan,
  WordFilter,
  type WordFilterLists,
} from '../src/word-filter';

function filter(lists: Partial<WordFilterLists> = {}): WordFilter {
  return new WordFilter({
    useDefaultList: true,
    blockedWords: [],
    allowedWords: [],
    minConfidence: 0.5,
    muteLowConfidence: false,
    ...lists,
  });
}

function word(text: string, start: number, end: number, confidence = 0.9): Word {
  return { word: text, start_seconds: start, end_seconds: end, confidence };
}

/** Words spoken one after another, each 0.3 s long with 0.2 s between them. */
function spoken(text: string, from = 0): Word[] {
  return text.split(' ').map((t, i) => word(t, from + i * 0.5, from + i * 0.5 + 0.3));
}

function segment(id: string, words: Word[], final = true): Segment {
  return {
    id,
    text: words.map((w) => w.word).join(' '),
    start_seconds: words[0]?.start_seconds ?? 0,
    end_seconds: words.at(-1)?.end_seconds ?? 0,
    confidence: 0.9,
    final,
    words,
  };
}

describe('word entries', () => {
  it('match whole words case-insensitively with plural, -ing, -ed and -er forms', () => {
    const f = filter({ useDefaultList: false, blockedWords: ['damn', 'crap'] });
    for (const w of ['damn', 'DAMN', 'Damns', 'damned', 'damning', "damnin'", 'crappy', 'crapped', 'craps'])
      expect(f.blocks(w), w).toBe(true);
  });

  it('never match inside another word', () => {
    const f = filter();
    for (const w of [
      'hello',
      'shell',
      'class',
      'pass',
      'glasses',
      'grass',
      'assess',
      'Scunthorpe',
      'shitake',
    ])
      expect(f.blocks(w), w).toBe(false);
    expect(f.blocks('assassin')).toBe(false);
    expect(f.blocks('helloed')).toBe(false);
  });

  it('ignore surrounding punctuation and read typographic apostrophes as plain ones', () => {
    const f = filter();
    for (const w of ['damn,', '"hell!"', '(shit)', 'crap...', 'hell’s', "hell's", '¿fuck?', '—bloody—'])
      expect(f.blocks(w), w).toBe(true);
    expect(f.blocks("he'll")).toBe(false);
    expect(f.blocks('...')).toBe(false);
  });

  it('block a hyphenated compound when one of its parts is blocked', () => {
    const f = filter();
    expect(f.blocks('half-assed')).toBe(true);
    expect(f.mask('half-assed.')).toBe('half-a****.');
    expect(f.blocks('well-known')).toBe(false);
  });

  it('take * as any run of letters and ? as one letter, still as whole words', () => {
    const f = filter({ useDefaultList: false, blockedWords: ['f*ck', 'sh?t', 'frig*'] });
    for (const w of ['fck', 'fuck', 'feck', 'fucking', 'shit', 'shat', 'frigging', 'frig'])
      expect(f.blocks(w), w).toBe(true);
    // Wildcards are as broad as written: sh?t also takes "shut".
    expect(f.blocks('shut!')).toBe(true);
    for (const w of ['sht', 'shirt', 'afuck', 'refrig']) expect(f.blocks(w), w).toBe(false);
  });

  it('refuse entries that are not one word or that are only wildcards', () => {
    expect(parseWordEntry('two words')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/one word/),
    });
    expect(parseWordEntry('**')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/at least one letter/),
    });
    expect(parseWordEntry('a.b')).toMatchObject({ ok: false });
    expect(parseWordEntry('   ')).toMatchObject({ ok: false });
    const list = parseWordList('damn, heck\n\nf*ck\nbad entry');
    expect(list.entries.map((e) => e.source)).toEqual(['damn', 'heck', 'f*ck']);
    expect(list.errors).toEqual(['"bad entry": one word per entry.']);
  });

  it('let the allow list win over block entries, patterns and the default list', () => {
    const f = filter({ blockedWords: ['ass*'], allowedWords: ['assist', 'bloody'] });
    expect(f.blocks('assorted')).toBe(true);
    expect(f.blocks('assist')).toBe(false);
    expect(f.blocks('assisting')).toBe(false);
    expect(f.blocks('bloody')).toBe(false);
    expect(f.mask('bloody')).toBe('bloody');
    expect(f.blocks('damn')).toBe(true);
  });

  it('block nothing from the default list once it is switched off', () => {
    const f = filter({ useDefaultList: false, blockedWords: ['heck'] });
    expect(f.blocks('damn')).toBe(false);
    expect(f.blocks('heck')).toBe(true);
  });
});

describe('masking', () => {
  it('keeps the first letter and punctuation of a blocked word', () => {
    const f = filter();
    expect(f.mask('fuck')).toBe('f***');
    expect(f.mask('Damn!')).toBe('D***!');
    expect(f.mask('"shit,"')).toBe('"s***,"');
    expect(f.mask("hell's")).toBe("h***'*");
    expect(maskText(f, 'what the hell,  said the  cat')).toBe('what the h***,  said the  cat');
  });

  it('masks words and text of segments, a word split across segments included', () => {
    const f = filter({ useDefaultList: false, blockedWords: ['bullshit'] });
    const first = segment('a', [...spoken('that is'), word('bull', 1.0, 1.25)]);
    const second = segment('b', [word('shit', 1.3, 1.5), ...spoken('really', 1.7)], false);
    const [a, b] = maskSegments(f, [first, second]);
    expect(a?.text).toBe('that is b***');
    expect(b?.text).toBe('s*** really');
    expect(b?.final).toBe(false);
    expect(b?.words[0]?.start_seconds).toBe(1.3);
  });

  it('does not join two words that were said apart or have punctuation between them', () => {
    const f = filter({ useDefaultList: false, blockedWords: ['bullshit'] });
    expect(maskSegments(f, [segment('a', [word('bull', 0, 0.3), word('shit', 0.6, 0.9)])])[0]?.text).toBe(
      'bull shit',
    );
    expect(maskSegments(f, [segment('a', [word('bull.', 0, 0.3), word('shit', 0.32, 0.6)])])[0]?.text).toBe(
      'bull. shit',
    );
  });

  it('masks the text of a segment without word timings token by token', () => {
    const f = filter();
    const plain: Segment = { ...segment('a', []), text: 'oh damn it' };
    expect(maskSegments(f, [plain])[0]?.text).toBe('oh d*** it');
  });
});

describe('hits', () => {
  it('give the time span of each blocked word and whether to mute it', () => {
    const f = filter();
    const words = [
      word('the', 0, 0.2),
      word('damn', 0.25, 0.6),
      word('cat', 0.7, 0.9),
      word('shit', 1, 1.3, 0.3),
    ];
    expect(f.hits(words)).toEqual([
      {
        indices: [1],
        start_seconds: 0.25,
        end_seconds: 0.6,
        confidence: 0.9,
        mute: true,
        next_start_seconds: 0.7,
      },
      { indices: [3], start_seconds: 1, end_seconds: 1.3, confidence: 0.3, mute: false },
    ]);
  });

  it('are silenced with padding on both sides, but not into the word after', () => {
    expect(silenceSpan({ start: 1, end: 1.4 }, 0.08)).toEqual({ start: 0.92, end: expect.closeTo(1.48, 9) });
    expect(silenceSpan({ start: 1, end: 1.4, nextStart: 1.45 }, 0.08)).toEqual({ start: 0.92, end: 1.45 });
    expect(silenceSpan({ start: 1, end: 1.4, nextStart: 1.6 }, 0.08).end).toBeCloseTo(1.48, 9);
    // A next word said to start inside the blocked one never shortens the blocked word itself.
    expect(silenceSpan({ start: 1, end: 1.4, nextStart: 1.3 }, 0.08)).toEqual({ start: 0.92, end: 1.4 });
  });

  it('mute low-confidence matches too when the user asks for it', () => {
    const f = filter({ muteLowConfidence: true });
    expect(f.hits([word('shit', 1, 1.3, 0.1)])[0]?.mute).toBe(true);
  });

  it('cover both halves of a split word, with the lower confidence of the two', () => {
    const f = filter({ useDefaultList: false, blockedWords: ['bastard'] });
    expect(f.hits([word('bas', 2, 2.2, 0.8), word('tard', 2.25, 2.5, 0.6)])).toEqual([
      { indices: [0, 1], start_seconds: 2, end_seconds: 2.5, confidence: 0.6, mute: true },
    ]);
  });
});

describe('settings', () => {
  it('fill in defaults for missing or broken stored values', () => {
    expect(readWordFilterSettings(undefined)).toEqual(DEFAULT_WORD_FILTER_SETTINGS);
    expect(readWordFilterSettings({ audioMode: 'protect' }).audioMode).toBe('protect');
    expect(readWordFilterSettings({ protectDelaySeconds: 99, blockedWords: ['heck'] })).toEqual({
      ...DEFAULT_WORD_FILTER_SETTINGS,
      blockedWords: ['heck'],
    });
    expect(readWordFilterSettings('garbage')).toEqual(DEFAULT_WORD_FILTER_SETTINGS);
  });

  it('turn filtering off on listed sites and their subdomains only', () => {
    const settings = { ...DEFAULT_WORD_FILTER_SETTINGS, disabledSites: ['example.com'] };
    expect(filterEnabledOn(settings, 'example.com')).toBe(false);
    expect(filterEnabledOn(settings, 'www.Example.com')).toBe(false);
    expect(filterEnabledOn(settings, 'notexample.com')).toBe(true);
    expect(filterEnabledOn({ ...settings, enabled: false }, 'other.org')).toBe(false);
    expect(normalizeSite(' https://www.YouTube.com/watch?v=1 ')).toBe('www.youtube.com');
    expect(normalizeSite('vimeo.com')).toBe('vimeo.com');
    expect(normalizeSite('not a site')).toBeUndefined();
  });
});
