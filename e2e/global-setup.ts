import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { CHROMIUM_PATH } from './support/extension-browser';
import { ARTIFACTS_DIR, REPO_ROOT } from './support/paths';
import {
  ensureTestMedia,
  GERMAN_SCRIPT,
  SECOND_SCRIPT,
  wordsOutsideTinyEnVocabulary,
} from './support/test-media';
import { ensureFilterMedia } from './support/word-filter-media';

/** Builds the extension with the pinned test id and makes the spoken test media. */
export default function globalSetup(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install it or set CHROMIUM_PATH.`);
  }
  const unknown = process.env.EARSHOT_E2E_MODEL ? [] : wordsOutsideTinyEnVocabulary();
  if (unknown.length > 0) {
    throw new Error(`test script uses words the tiny-en model was not trained on: ${unknown.join(', ')}`);
  }
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  execFileSync('pnpm', ['--filter', '@earshot/extension', 'build'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, EARSHOT_EXTENSION_KEY: '1' },
  });
  ensureTestMedia();
  ensureTestMedia(SECOND_SCRIPT);
  ensureTestMedia(GERMAN_SCRIPT);
  ensureFilterMedia();
}
