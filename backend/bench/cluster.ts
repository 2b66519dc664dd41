/**
 * Throughput of a cluster on this machine: a real Redis, the shipped HAProxy config and 1, 2, then 3
 * workers (`earshot serve --redis`). For each it prints file-job throughput (audio hours per hour, all
 * jobs submitted at once through HAProxy) and the most live tabs that hold (as bench:live-cost says it:
 * no chunk refused, no audio skipped, at most 2 s waiting), streamed in real time through HAProxy as
 * the extension sends them, found by doubling then halving the gap, `--tries` runs of `--seconds` each
 * at most (the search of 2 and 3 workers starts where the previous one ended). The workers share this
 * machine's cores, so only the ratios between rows say something about more machines.
 *
 *   pnpm -C backend bench:cluster [--workers 1,2,3] [--model tiny-en] [--jobs 6] [--job-minutes 2]
 *                                 [--start-tabs 4] [--tries 5] [--seconds 15]
 */
import { openAsBlob } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModelRecognizer } from '../src/engine';
import { resolveModel, streamProgress } from '../src/models';
import { startCluster, until, type Worker } from '../test/cluster/cluster-processes';
import { benchFixtures, DISTINCT_FIXTURES, modelVersionKey, offlineTranscript } from './fixtures';
import { type HoldSearch, holds, type LiveLoad, mostTabsThatHold, skippedSecondsBetween } from './live-hold';
import { ensureLongRecording } from './long-recording';
import { measureRun } from './measures';
import { wholeNumber } from './options';
import { runTabs, type TabInput } from './run-tabs';
import { metricSamples, scrapeMetrics } from './server-metrics';

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '1,2,3' },
    model: { type: 'string', default: 'tiny-en' },
    jobs: { type: 'string', default: '6' },
    'job-minutes': { type: 'string', default: '2' },
    'start-tabs': { type: 'string', default: '4' },
    tries: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '15' },
  },
});
const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/', import.meta.url));
/** The extension's MediaRecorder timeslice. */
const TIMESLICE_SECONDS = 0.25;

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

interface LiveRun extends LiveLoad {
  finalP95Ms: number;
}

interface Row {
  workers: number;
  jobAudioHoursPerHour: number;
  tabs: HoldSearch<LiveRun>;
}

async function measureCluster(
  n: number,
  inputs: TabInput[],
  longFile: string,
  startTabs: number,
): Promise<Row> {
  const cluster = await startCluster(n, [
    ...['--model', values.model, '--max-jobs', '100'],
    // Stopped at the end of its row: nothing to drain.
    ...['--drain-seconds', '0'],
  ]);
  const { url, workers } = cluster;
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

    const tabs = await mostTabsThatHold(startTabs, wholeNumber(1)(values.tries), async (count) => {
      const run = await liveRun(url, workers, inputs, `cluster-${n}-${count}-${Date.now()}`, count);
      log(
        `${n} worker(s), ${count} tabs: lag max ${run.lagMaxSeconds.toFixed(2)} s, ${run.skippedSeconds.toFixed(1)} s skipped, ${run.failedRequests} refused: ${holds(run) ? 'holds' : 'does not hold'}`,
      );
      return run;
    });
    return { workers: n, jobAudioHoursPerHour: audioSeconds / jobSeconds, tabs };
  } finally {
    await cluster.stop();
  }
}

/** `count` tabs at once through HAProxy, in real time; the skipped audio read from every worker. */
async function liveRun(
  url: string,
  workers: readonly Worker[],
  inputs: readonly TabInput[],
  label: string,
  count: number,
): Promise<LiveRun> {
  const scrapeAll = () => Promise.all(workers.map(async (w) => (await scrapeMetrics(w.url)) ?? ''));
  const before = await scrapeAll();
  const run = await runTabs({
    label,
    baseUrl: url,
    tabs: count,
    inputs,
    timesliceSeconds: TIMESLICE_SECONDS,
  });
  const after = await scrapeAll();
  const measures = measureRun(run.outcomes);
  // The next run starts on idle workers: no window of this one queued, no recording of it open.
  const idle = (metrics: string) =>
    ['earshot_inference_queue_depth', 'earshot_sessions'].every((name) =>
      [...metricSamples(metrics, name).values()].every((value) => value === 0),
    );
  await until(
    async () => (await scrapeAll()).every(idle),
    'the workers to finish the tabs’ recordings',
    120_000,
    250,
  );
  return {
    skippedSeconds: before.reduce((sum, b, i) => sum + skippedSecondsBetween(b, after[i] ?? ''), 0),
    lagMaxSeconds: measures.serverLagMaxSeconds ?? Number.NaN,
    failedRequests: measures.failedRequests,
    finalP95Ms: measures.wordToFinalMs.p95,
  };
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
    for (const fixture of await benchFixtures(DISTINCT_FIXTURES, wholeNumber(1)(values.seconds), CACHE_DIR)) {
      inputs.push({
        fixture,
        offline: await offlineTranscript(fixture, recognizer, modelVersionKey(model), CACHE_DIR),
      });
    }
  } finally {
    await recognizer.release();
  }
  const rows: Row[] = [];
  let startTabs = wholeNumber(1)(values['start-tabs']);
  for (const n of values.workers.split(',').map(Number)) {
    const row = await measureCluster(n, inputs, longFile, startTabs);
    rows.push(row);
    startTabs = Math.max(1, row.tabs.held);
  }
  process.stdout.write(`\n${table(rows, model.id)}\n`);
}

function table(rows: readonly Row[], modelId: string): string {
  const base = rows[0];
  const ratio = (value: number, of: number | undefined) => (of ? (value / of).toFixed(2) : '-');
  const lines = [
    `cluster throughput on this machine (model ${modelId}; ${values.jobs} jobs of ${values['job-minutes']} min; live tabs of ${values.seconds} s in 250 ms chunks)`,
    '| workers | live tabs that hold | ratio | did not hold | lag max at the most that held (s) | word→final p95 there (s) | job audio h per h | ratio |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const best = r.tabs.runs.find((run) => run.tabs === r.tabs.held)?.result;
    const failed = r.tabs.failedAt === null ? `none up to ${r.tabs.held}` : String(r.tabs.failedAt);
    lines.push(
      `| ${r.workers} | ${r.tabs.held} | ${ratio(r.tabs.held, base?.tabs.held)} | ${failed} | ${best ? best.lagMaxSeconds.toFixed(2) : '-'} | ${best ? (best.finalP95Ms / 1000).toFixed(2) : '-'} | ${r.jobAudioHoursPerHour.toFixed(1)} | ${ratio(r.jobAudioHoursPerHour, base?.jobAudioHoursPerHour)} |`,
    );
  }
  return lines.join('\n');
}

await main();
