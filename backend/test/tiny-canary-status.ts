import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TINY_CANARY_DIR = fileURLToPath(new URL('../models/tiny-canary', import.meta.url));
const README = `${TINY_CANARY_DIR}/README.md`;

/**
 * Why tests whose thresholds assume tiny-canary at its quality bar cannot run, or undefined once they
 * can: its README says "not at the quality bar" while its word error rates miss their targets. Those
 * tests then skip with this reason (the e2e suite reads the same line); tests of the engine's
 * workings run either way.
 */
export const tinyCanaryBelowBar: string | undefined =
  !existsSync(README) || /not at the quality bar/i.test(readFileSync(README, 'utf8'))
    ? 'backend/models/tiny-canary/README.md says the committed tiny-canary is not at its quality bar'
    : undefined;

export const canaryBarNote = tinyCanaryBelowBar ? ` [skipped: ${tinyCanaryBelowBar}]` : '';

/**
 * Sentences made only of words of tiny-canary's bilingual list (recipes/tiny-canary/words-en-de.tsv),
 * each with its word-by-word translation, which is what the model learned to translate.
 */
export const GERMAN = [
  { de: 'Hund trinken Wasser und Katze essen Fisch', en: 'dog drink water and cat eat fish' },
  { de: 'Mutter kochen Suppe heute Abend', en: 'mother cook soup today evening' },
  { de: 'Vater lesen Buch und Kind spielen', en: 'father read book and child play' },
  { de: 'Vogel fliegen hoch und schnell', en: 'bird fly high and fast' },
];

export const ENGLISH = [
  { en: 'friend drink coffee and tea', de: 'Freund trinken Kaffee und Tee' },
  { en: 'small boy sleep now', de: 'klein Junge schlafen jetzt' },
];
