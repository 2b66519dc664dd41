import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** NIST's CTM validator from sctk (Debian's package puts its scripts outside PATH). */
const VALIDATOR = ['/usr/lib/sctk/bin/ctmValidator.pl', '/usr/bin/ctmValidator.pl'].find(existsSync);

/** Runs sctk's ctmValidator.pl over `ctm`; returns its complaint, or null when it validates. */
export function ctmProblems(ctm: string): string | null {
  if (!VALIDATOR) throw new Error('sctk is not installed: bash scripts/setup.sh --for-tests installs it');
  const dir = mkdtempSync(join(tmpdir(), 'earshot-ctm-'));
  try {
    const file = join(dir, 'words.ctm');
    writeFileSync(file, ctm);
    const run = spawnSync('perl', [VALIDATOR, '-i', file], { encoding: 'utf8' });
    return run.status === 0 ? null : `${run.stdout}${run.stderr}`.trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The words of a CTM file, as Reverb's own parser reads them (fields 3 to 6). */
export function ctmWords(ctm: string): { file: string; word: string; start: number; end: number }[] {
  return ctm
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [file = '', , start = '0', duration = '0', word = ''] = line.split(/\s+/);
      return { file, word, start: Number(start), end: Number(start) + Number(duration) };
    });
}
