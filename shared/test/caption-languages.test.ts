import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CAPTION_LANGUAGES,
  readCaptionLanguages,
  streamLanguageFields,
} from '../src/caption-languages';

describe('caption languages', () => {
  it('reads stored settings whole, dropping what does not parse', () => {
    expect(
      readCaptionLanguages({
        default: { language: 'xx-yy' },
        sites: { 'a.de': { language: 'de', translateTo: 'en', dual: false }, b: 1 },
      }),
    ).toEqual({
      default: DEFAULT_CAPTION_LANGUAGES.default,
      sites: { 'a.de': { language: 'de', translateTo: 'en', dual: false } },
    });
  });

  it('sends a translation and dual captions only when they differ from the spoken language', () => {
    expect(streamLanguageFields({ language: 'auto', translateTo: 'off', dual: true })).toEqual({});
    expect(streamLanguageFields({ language: 'de', translateTo: 'de', dual: true })).toEqual({
      language: 'de',
    });
    expect(streamLanguageFields({ language: 'de', translateTo: 'en', dual: true })).toEqual({
      language: 'de',
      target_language: 'en',
      dual: true,
    });
  });
});
