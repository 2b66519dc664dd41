import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * Whether a committed model's README says "not at the quality bar" (the backend's rule, read from
 * the same line); undefined where the model has no README.
 */
function readmeSaysBelowBar(model: string): boolean | undefined {
  const readme = join(REPO_ROOT, 'backend', 'models', model, 'README.md');
  return existsSync(readme) ? /not at the quality bar/i.test(readFileSync(readme, 'utf8')) : undefined;
}

/**
 * Why tests that assume tiny-canary's German transcripts and English translations are good cannot
 * run, or undefined when they can (a missing README counts as below the bar).
 */
export function canaryBelowQualityBar(): string | undefined {
  return readmeSaysBelowBar('tiny-canary') === false
    ? undefined
    : 'backend/models/tiny-canary/README.md says the committed tiny-canary is not at its quality bar';
}

/**
 * Why tests that assume tiny-en at its quality bar cannot run yet, or undefined when they can. Same
 * rule as the backend's: while the model's README says it is not at the quality bar, a word it
 * mishears (live filtering needs every blocked word heard) fails them for the model's sake, not the
 * product's. EARSHOT_E2E_MODEL (another model) always runs them.
 */
export function belowQualityBar(): string | undefined {
  if (process.env.EARSHOT_E2E_MODEL) return undefined;
  return readmeSaysBelowBar('tiny-en')
    ? 'backend/models/tiny-en/README.md says the committed tiny-en is not at its quality bar yet'
    : undefined;
}
