// Runs every test stage in order and closes with one summary line that CI reads:
// "tests: N passed, N failed, N skipped".
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const reports = mkdtempSync(join(tmpdir(), 'earshot-tests-'));
// deploy/ builds and runs the container image and nginx in front of the server (docs/deploy.md).
const vitestPackages = ['shared', 'extension', 'backend', 'deploy'];
const totals = { passed: 0, failed: 0, skipped: 0 };
let anyStageFailed = false;

function run(cwd, args, env = {}) {
  const result = spawnSync('pnpm', ['exec', ...args], {
    cwd,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status === 0;
}

for (const pkg of vitestPackages) {
  const out = join(reports, `${pkg}.json`);
  console.log(`\n=== ${pkg}: vitest`);
  const ok = run(pkg, [
    'vitest',
    'run',
    '--passWithNoTests',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  if (!ok) anyStageFailed = true;
  if (existsSync(out)) {
    const r = JSON.parse(readFileSync(out, 'utf8'));
    totals.passed += r.numPassedTests;
    totals.failed += r.numFailedTests;
    totals.skipped += r.numPendingTests + r.numTodoTests;
  } else {
    totals.failed += 1;
  }
}

const e2eOut = join(reports, 'e2e.json');
console.log('\n=== e2e: playwright');
const e2eOk = run('e2e', ['playwright', 'test', '--reporter=list,json'], {
  PLAYWRIGHT_JSON_OUTPUT_NAME: e2eOut,
});
if (!e2eOk) anyStageFailed = true;
if (existsSync(e2eOut)) {
  const { stats } = JSON.parse(readFileSync(e2eOut, 'utf8'));
  totals.passed += stats.expected + stats.flaky;
  totals.failed += stats.unexpected;
  totals.skipped += stats.skipped;
} else {
  totals.failed += 1;
}

if (anyStageFailed && totals.failed === 0) totals.failed = 1;
console.log(`\ntests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
