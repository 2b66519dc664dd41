import { DEFAULT_WORD_FILTER_SETTINGS } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import { filterFormFields, readFilterForm } from '../lib/options/filter-form';
import { describeFilterMode, describeLatencyFit } from '../lib/popup/filter-summary';

describe('filter settings form', () => {
  it('reads back what it shows', () => {
    expect(readFilterForm(filterFormFields(DEFAULT_WORD_FILTER_SETTINGS))).toEqual({
      ok: true,
      settings: DEFAULT_WORD_FILTER_SETTINGS,
    });
  });

  it('normalises words and sites and converts the padding from ms', () => {
    const result = readFilterForm({
      ...filterFormFields(DEFAULT_WORD_FILTER_SETTINGS),
      blockedWords: ' Heck \n\nf*ck, Dang',
      disabledSites: 'https://www.Example.com/page\nexample.com',
      audioMode: 'protect',
      padMs: '120',
    });
    expect(result).toMatchObject({
      ok: true,
      settings: {
        blockedWords: ['heck', 'f*ck', 'dang'],
        disabledSites: ['www.example.com', 'example.com'],
        audioMode: 'protect',
        padSeconds: 0.12,
      },
    });
  });

  it('lists every problem and saves nothing when a field is wrong', () => {
    const result = readFilterForm({
      ...filterFormFields(DEFAULT_WORD_FILTER_SETTINGS),
      blockedWords: 'two words',
      disabledSites: 'not a site',
      protectDelaySeconds: '30',
      minConfidence: '',
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        'Blocked words: "two words": one word per entry.',
        'Sites: "not a site" is not a site name like example.com.',
        'Confidence threshold must be a number from 0 to 1.',
        'Protect delay (seconds) must be a number from 0.5 to 10.',
      ],
    });
  });
});

describe('popup filter lines', () => {
  const protect = { ...DEFAULT_WORD_FILTER_SETTINGS, audioMode: 'protect' as const, protectDelaySeconds: 3 };

  it('say whether the measured latency fits in the protect delay', () => {
    expect(describeLatencyFit(protect, undefined)).toBe('Recognition latency: not measured yet.');
    expect(describeLatencyFit(protect, 1.84)).toBe('Recognition latency 1.8 s fits in the 3 s delay.');
    expect(describeLatencyFit(protect, 2.95)).toMatch(
      /^Recognition latency 3\.0 s does not fit in the 3 s delay/,
    );
  });

  it('say what happens to the sound', () => {
    expect(describeFilterMode(protect, true)).toBe(
      'Protect mode: the sound plays 3 s late so blocked words are silenced before you hear them.',
    );
    expect(describeFilterMode(protect, false)).toBe('The word filter is off on this site.');
    expect(describeFilterMode(DEFAULT_WORD_FILTER_SETTINGS, true)).toBe(
      'Blocked words are masked in captions; the sound is left alone.',
    );
  });
});
