/**
 * Throughput of a cluster on this machine: a real Redis, the shipped HAProxy config and 1, 2, then 3
 * workers (`earshot serve --redis`). For each it prints file-job throughput (audio hours per hour, all
 * jobs submitted at once through HAProxy) and how many of a set of live tabs, streamed in real time
 * through HAProxy, were answered in real time (every chunk within 2 s), with word→final p95. The workers
 * share this machine's cores, so only the ratios between rows say something about more machines.
 *
 *   pnpm -C backend bench:cluster [--workers 1,2,3] [--model tiny-en] [--jobs 6] [--job-minutes 2]
 *                                 [--tabs 8] [--seconds 20]
 */
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModelRecognizer } from '../src/engine';
import { resolveModel, streamProgress } from '../src/models';
import { startCluster, until } from '../test/cluster/cluster-processes';
import { benchFixtures, modelVersionKey, offlineTranscript } from './fixtures';
import { ensureLongRecording } from './long-recording';
import { measureRun } from './measures';
import { runTabs, type TabInput } from './run-tabs';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,3' },
    model: { type: 'string', default: 'tiny-en' },
    jobs: { type: 'string', default: '6' },
    'job-minutes': { type: 'string', default: '2' },
    tabs: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '20' },
  },
});
const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/', import.meta.url));
/** A tab whose every chunk was answered within this long kept up in real time. */
const REAL_TIME_LAG_MS = 2000;

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface Row {
  workers: number;
  jobAudioHoursPerHour: number;
  tabsKeptUp: number;
  finalP95Ms: number;
  behindReplies: number;
  failedRequests: number;
}

async function measureCluster(n: number, inputs: TabInput[], longFile: string): Promise<Row> {
  const cluster = await startCluster(n, ['--model', values.model, '--max-jobs', '100']);
  const { url } = cluster;
  try {
    const jobs = Number(values.jobs);
    log(`${n} worker(s): ${jobs} jobs of ${values['job-minutes']} min at once…`);
    const jobsStartedAt = performance.now();
    const ids = await Promise.all(
      Array.from({ length: jobs }, async () => {
        const form = new FormData();
        form.append('file', await openAsBlob(longFile), 'long.mp3');
        form.append('model', 'whisper-1');
        const response = await fetch(`${url}/v1/audio/jobs`, { method: 'POST', body: form });
        if (response.status !== 202) throw new Error(`job refused: ${await response.text()}`);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    await until(
      async () => {
        const states = await Promise.all(
          ids.map(
            async (id) =>
              ((await (await fetch(`${url}/v1/audio/jobs/${id}`)).json()) as { status: string }).status,
          ),
        );
        if (states.some((s) => s === 'failed' || s === 'cancelled')) throw new Error(`a job ended ${states}`);
        return states.every((s) => s === 'succeeded');
      },
      'every job to finish',
      3_600_000,
      500,
    );
    const jobSeconds = (performance.now() - jobsStartedAt) / 1000;
    const audioSeconds = jobs * Number(values['job-minutes']) * 60;

    const tabs = Number(values.tabs);
    log(`${n} worker(s): ${tabs} live tabs for ${values.seconds} s…`);
    const run = await runTabs({ label: `cluster-${n}`, baseUrl: url, tabs, inputs, timesliceSeconds: 0.25 });
    const measures = measureRun(run.outcomes);
    const tabsKeptUp = run.outcomes.filter((tab) => measureRun([tab]).lagMaxMs <= REAL_TIME_LAG_MS).length;
    return {
      workers: n,
      jobAudioHoursPerHour: audioSeconds / jobSeconds,
      tabsKeptUp,
      finalP95Ms: measures.wordToFinalMs.p95,
      behindReplies: measures.behindReplies,
      failedRequests: measures.failedRequests,
    };
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const longFile = ensureLongRecording(Number(values['job-minutes']));
  const model = await resolveModel(values.model, {
    allowDownload: true,
    progress: streamProgress(process.stderr),
  });
  const recognizer = await loadModelRecognizer(model, 'cpu');
  const inputs: TabInput[] = [];
  try {
    for (const fixture of await benchFixtures(Number(values.tabs), Number(values.seconds), CACHE_DIR)) {
      inputs.push({
        fixture,
        offline: await offlineTranscript(fixture, recognizer, modelVersionKey(model), CACHE_DIR),
      });
    }
  } finally {
    await recognizer.release();
  }
  const rows: Row[] = [];
  for (const n of values.workers.split(',').map(Number)) rows.push(await measureCluster(n, inputs, longFile));
  const base = rows[0];
  const ratio = (value: number, of: number | undefined) => (of ? (value / of).toFixed(2) : '-');
  process.stdout.write(
    `\ncluster throughput on this machine (model ${model.id}; ${values.jobs} jobs of ${values['job-minutes']} min; ${values.tabs} tabs of ${values.seconds} s)\n` +
      '| workers | job audio h per h | ratio | tabs in real time | word→final p95 (s) | behind answers | failed requests |\n' +
      '|---|---|---|---|---|---|---|\n' +
      rows
        .map(
          (r) =>
            `| ${r.workers} | ${r.jobAudioHoursPerHour.toFixed(1)} | ${ratio(r.jobAudioHoursPerHour, base?.jobAudioHoursPerHour)} | ${r.tabsKeptUp} of ${values.tabs} | ${(r.finalP95Ms / 1000).toFixed(2)} | ${r.behindReplies} | ${r.failedRequests} |`,
        )
        .join('\n') +
      '\n',
  );
}

await main();
