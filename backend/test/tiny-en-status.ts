import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../models/tiny-en/README.md', import.meta.url));

/**
 * Why tests whose thresholds assume tiny-en at its quality bar cannot run yet, or undefined once they
 * can. The model's README says "not at the quality bar" while its word error rate is above target;
 * those tests then skip with this reason, and once the line is gone they run and must pass (the e2e
 * suite reads the same line). Tests of what the model hears run either way.
 */
export const tinyEnBelowBar: string | undefined =
  existsSync(README) && /not at the quality bar/i.test(readFileSync(README, 'utf8'))
    ? 'backend/models/tiny-en/README.md says the committed tiny-en is not at its quality bar yet'
    : undefined;

/** A suffix for the names of tests that skip while tiny-en is below its bar. */
export const belowBarNote = tinyEnBelowBar ? ` [skipped: ${tinyEnBelowBar}]` : '';
