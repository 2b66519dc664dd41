import { captionLanguagesOn, DEFAULT_CAPTION_LANGUAGES, type StatusLanguages } from '@earshot/shared';
import { describe, expect, it } from 'vitest';
import {
  describeChoice,
  fitChoice,
  spokenOptions,
  targetOptions,
  withChoice,
} from '../lib/popup/language-choices';

const CANARY: StatusLanguages = {
  spoken: ['en', 'de', 'fr'],
  detects: false,
  translates: { en: ['de', 'fr'], de: ['en'], fr: ['en'] },
  default_language: 'en',
  default_target_language: null,
  word_times: 'spread',
};
const WHISPER: StatusLanguages = {
  spoken: ['en', 'de'],
  detects: true,
  translates: { '*': ['en'] },
  default_language: null,
  default_target_language: null,
  word_times: 'measured',
};

describe('caption language choices', () => {
  it('offers automatic and the spoken languages, saying what automatic means for the model', () => {
    expect(spokenOptions(CANARY).map((o) => o.label)).toEqual([
      "Automatic (English, the model's default)",
      'English',
      'German',
      'French',
    ]);
    expect(spokenOptions(WHISPER)[0]?.label).toBe('Automatic (the model detects it)');
  });

  it('offers the targets the model reaches from the chosen language, never the language itself', () => {
    expect(targetOptions(CANARY, 'de').map((o) => o.value)).toEqual(['off', 'en']);
    expect(targetOptions(CANARY, 'auto').map((o) => o.value)).toEqual(['off', 'de', 'fr']);
    expect(targetOptions(WHISPER, 'auto').map((o) => o.value)).toEqual(['off', 'en']);
    expect(targetOptions(WHISPER, 'en').map((o) => o.value)).toEqual(['off']);
  });

  it('turns off a stored translation the model cannot make, and an unknown language to automatic', () => {
    expect(fitChoice(CANARY, { language: 'de', translateTo: 'fr', dual: true })).toEqual({
      language: 'de',
      translateTo: 'off',
      dual: true,
    });
    expect(fitChoice(CANARY, { language: 'ja', translateTo: 'off', dual: false }).language).toBe('auto');
  });

  it('stores a choice for the site, or as the default, and reads it back for the site and its subdomains', () => {
    const german = { language: 'de', translateTo: 'en', dual: false };
    const forSite = withChoice(DEFAULT_CAPTION_LANGUAGES, 'example.de', true, german);
    expect(captionLanguagesOn(forSite, 'www.example.de')).toEqual(german);
    expect(captionLanguagesOn(forSite, 'other.org')).toEqual(DEFAULT_CAPTION_LANGUAGES.default);
    const back = withChoice(forSite, 'www.example.de', false, german);
    expect(back).toEqual({ default: german, sites: {} });
  });

  it('says what dual captions cost, and that a translation alone leaves the sound unfiltered', () => {
    expect(describeChoice({ language: 'de', translateTo: 'en', dual: true }, 'canary')).toMatch(
      /decodes the audio twice, so this tab costs the backend twice the work/,
    );
    expect(describeChoice({ language: 'de', translateTo: 'en', dual: false }, 'canary')).toMatch(
      /the sound is not filtered/,
    );
  });
});
