/**
 * Live captions while an hour-long file job runs on the same server: streams the bench tabs (as
 * `pnpm bench` does) once with the server otherwise idle and once while POST /v1/audio/jobs works
 * through a 60-minute recording, and prints word→interim and word→final p95 of both runs and their
 * ratio, and the job's speed (audio seconds per second) with the tabs running and, just after, alone.
 * The job's windows are queued at batch priority, below every live window.
 *
 *   pnpm -C backend bench:under-job [--tabs 1,4] [--seconds 20] [--model tiny-en] [--minutes 60]
 */
import { openAsBlob } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadModelRecognizer, SileroVad } from '../src/engine';
import { resolveModel, resolveVadModel, streamProgress } from '../src/models';
import { buildApp } from '../src/server/app';
import { SpeechActivity } from '../src/streaming/speech-activity';
import { benchFixtures, modelVersionKey, offlineTranscript } from './fixtures';
import { ensureLongRecording } from './long-recording';
import { measureRun, type RunMeasures } from './measures';
import { runTabs, type TabInput } from './run-tabs';

const { values } = parseArgs({
  options: {
    tabs: { type: 'string', default: '1,4' },
    seconds: { type: 'string', default: '20' },
    model: { type: 'string', default: 'tiny-en' },
    minutes: { type: 'string', default: '60' },
  },
});
const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/', import.meta.url));
const tabCounts = values.tabs.split(',').map(Number);

interface JobView {
  id: string;
  status: string;
  progress: number;
  audio_seconds_done: number;
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');

async function main(): Promise<void> {
  const longFile = ensureLongRecording(Number(values.minutes));
  const vad = await SileroVad.load(
    await resolveVadModel({ allowDownload: true, progress: streamProgress(process.stderr) }),
  );
  const model = await resolveModel(values.model, {
    allowDownload: true,
    progress: streamProgress(process.stderr),
  });
  const recognizer = await loadModelRecognizer(model, 'cpu');
  const modelKey = modelVersionKey(model);
  const inputs: TabInput[] = [];
  for (const fixture of await benchFixtures(Math.max(...tabCounts), Number(values.seconds), CACHE_DIR)) {
    inputs.push({ fixture, offline: await offlineTranscript(fixture, recognizer, modelKey, CACHE_DIR) });
  }
  // As `earshot serve` builds it: VAD gating for recordings, VAD cutting for files.
  const app = await buildApp({
    recognizer,
    config: { host: '127.0.0.1', maxSessions: 32 },
    createSpeechActivity: () => new SpeechActivity(vad.createStream()),
    createVadStream: () => vad.createStream(),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  while (!(await fetch(`${url}/ready`)).ok) await sleep(100);
  const job = (id: string) => fetch(`${url}/v1/audio/jobs/${id}`).then((r) => r.json() as Promise<JobView>);

  const lines: string[] = [];
  try {
    for (const tabs of tabCounts) {
      const live = async (label: string): Promise<RunMeasures> => {
        const run = await runTabs({
          label: `${label}-${tabs}`,
          baseUrl: url,
          tabs,
          inputs,
          timesliceSeconds: 0.25,
        });
        return measureRun(run.outcomes);
      };
      log(`${tabs} tab(s), server otherwise idle…`);
      const alone = await live('alone');

      const form = new FormData();
      form.append('file', await openAsBlob(longFile), 'long.mp3');
      form.append('model', 'whisper-1');
      const submitted = (await (
        await fetch(`${url}/v1/audio/jobs`, { method: 'POST', body: form })
      ).json()) as JobView;
      // Past the job's VAD pass, so its windows are in the queue while the tabs run.
      while ((await job(submitted.id)).audio_seconds_done <= 0) await sleep(200);
      const before = await job(submitted.id);
      log(`${tabs} tab(s) while job ${submitted.id} runs (at ${(before.progress * 100).toFixed(1)} %)…`);
      const busyStartedAt = performance.now();
      const busy = await live('under-job');
      const after = await job(submitted.id);
      const busySpeed =
        (after.audio_seconds_done - before.audio_seconds_done) / ((performance.now() - busyStartedAt) / 1000);
      log(`${tabs} tab(s): the job alone for ${values.seconds} s…`);
      const aloneStartedAt = performance.now();
      await sleep(Number(values.seconds) * 1000);
      const end = await job(submitted.id);
      const aloneSpeed =
        (end.audio_seconds_done - after.audio_seconds_done) / ((performance.now() - aloneStartedAt) / 1000);
      await fetch(`${url}/v1/audio/jobs/${submitted.id}`, { method: 'DELETE' });

      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : '-');
      lines.push(
        `| ${tabs} | ${seconds(alone.wordToInterimMs.p95)} | ${seconds(busy.wordToInterimMs.p95)} | ${ratio(busy.wordToInterimMs.p95, alone.wordToInterimMs.p95)}` +
          ` | ${seconds(alone.wordToFinalMs.p95)} | ${seconds(busy.wordToFinalMs.p95)} | ${ratio(busy.wordToFinalMs.p95, alone.wordToFinalMs.p95)}` +
          ` | ${aloneSpeed.toFixed(0)} | ${busySpeed.toFixed(0)} (${after.status}) | ${busy.behindReplies} |`,
      );
    }
  } finally {
    await app.close();
    await Promise.all([recognizer.release(), vad.release()]);
  }
  process.stdout.write(
    `\nlive word→caption p95 (seconds) alone and while a ${values.minutes}-minute file job runs, model ${model.id}\n` +
      '| tabs | interim alone | interim under job | ratio | final alone | final under job | ratio | job speed alone (audio s/s) | job speed under tabs | behind answers under job |\n' +
      '|---|---|---|---|---|---|---|---|---|---|\n' +
      `${lines.join('\n')}\n`,
  );
}

await main();
