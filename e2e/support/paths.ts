import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(E2E_DIR, '..');
export const EXTENSION_DIR = join(REPO_ROOT, 'extension');
/** The test build of the extension (built by global setup with the pinned test key). */
export const EXTENSION_BUILD_DIR = join(EXTENSION_DIR, '.output', 'e2e', 'chrome-mv3');
/** Generated files: test media, screenshots, browser profiles. Gitignored. */
export const ARTIFACTS_DIR = join(E2E_DIR, 'artifacts');
export const MEDIA_DIR = join(ARTIFACTS_DIR, 'media');
export const PAGES_DIR = join(E2E_DIR, 'pages');
/** Words the tiny-en test model was trained on: the shipped model's copy, else its training recipe's. */
export const TINY_EN_WORD_LISTS = [
  join(REPO_ROOT, 'backend', 'models', 'tiny-en', 'words.txt'),
  join(REPO_ROOT, 'backend', 'recipes', 'tiny-en', 'words.txt'),
];
/** Where the README's screenshots live; the e2e run rewrites them when EARSHOT_README_SCREENSHOTS=1. */
export const README_IMAGES_DIR = join(REPO_ROOT, 'docs', 'images');
