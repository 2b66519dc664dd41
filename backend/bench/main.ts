import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { loadModelRecognizer, type Recognizer, SileroVad } from '../src/engine';
import { ParakeetRecognizer } from '../src/engine/parakeet';
import { resolveModel, resolveVadModel, streamProgress } from '../src/models';
import { buildApp } from '../src/server/app';
import { SpeechActivity } from '../src/streaming/speech-activity';
import { wordErrorRate } from '../src/transcript/word-errors';
import { buildBaselineApp } from './baseline-server';
import { BASELINE_TIMESLICE_SECONDS } from './baseline-session';
import {
  benchFixtures,
  DISTINCT_FIXTURES,
  type Fixture,
  modelVersionKey,
  offlineTranscript,
} from './fixtures';
import { measureRun } from './measures';
import { positiveWholeNumbers, wholeNumber } from './options';
import { untilReady } from './ready';
import {
  type Design,
  type EngineSpend,
  formatStages,
  formatTable,
  type ResultRow,
  resultRow,
} from './report';
import { runTabs, type TabInput } from './run-tabs';
import { checkVocabulary } from './sentences';

const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/', import.meta.url));
const WORD_LIST = fileURLToPath(new URL('../models/tiny-en/words.txt', import.meta.url));

const program = new Command('bench')
  .description(
    'Streams espeak-ng fixtures as MediaRecorder would from simulated tabs, through Earshot and the simple 3×1 s baseline',
  )
  .option('--tabs <list>', 'tab counts to run, comma separated', positiveWholeNumbers, [1, 2, 4, 8, 16])
  .option('--seconds <n>', 'most seconds of audio per fixture', wholeNumber(1), 60)
  .option(
    '--model <ids>',
    'model ids or directories, comma separated; each is measured in the same run (e.g. tiny-en,whisper-base)',
    (v) => v.split(',').filter(Boolean),
    ['tiny-en'],
  )
  .option(
    '--interim-model <id>',
    'also run Earshot with this fast model for the interims beside each --model for the finals (design "pair", instead of the baseline)',
  )
  .option(
    '--device <devices>',
    'cpu | webgpu | auto | cuda | cuda:N; several, comma separated (e.g. cpu,webgpu), run one after the other, each row labelled model@device',
    (v) => v.split(',').filter(Boolean),
    ['cpu'],
  )
  .option('--timeslice <ms>', "Earshot tabs' MediaRecorder timeslice in ms", wholeNumber(1), 250)
  .option('--every-n-chunks <n>', 'server setting: recognize after this many chunks', wholeNumber(1))
  .option('--no-vad', 'run the Earshot server without Silero VAD gating (the product gates by default)')
  .parse();

interface CommandOptions extends Omit<Options, 'device'> {
  device: string[];
}

interface Options {
  tabs: number[];
  seconds: number;
  model: string[];
  interimModel?: string;
  device: string;
  /** Row labels carry `@device` when the run compares devices. */
  labelDevice: boolean;
  timeslice: number;
  everyNChunks?: number;
  vad: boolean;
}

async function main(options: CommandOptions): Promise<void> {
  checkVocabulary(WORD_LIST);
  const vad = options.vad
    ? await SileroVad.load(
        await resolveVadModel({ allowDownload: true, progress: streamProgress(process.stderr) }),
      )
    : null;
  const maxTabs = Math.max(...options.tabs);
  log(
    `fixtures: ${Math.min(DISTINCT_FIXTURES, maxTabs)} recordings of at most ${options.seconds} s in ${CACHE_DIR}`,
  );
  const fixtures = await benchFixtures(maxTabs, options.seconds, CACHE_DIR);
  try {
    const runs: ModelRun[] = [];
    for (const device of options.device) {
      const labelDevice = options.device.length > 1;
      for (const id of options.model)
        runs.push(await benchModel(id, fixtures, vad, { ...options, device, labelDevice }));
    }
    const rows = runs.flatMap((r) => r.rows);
    process.stdout.write(`\n${formatTable(rows)}\n\nLatency budget by stage\n${formatStages(rows)}\n`);
    await mkdir(CACHE_DIR, { recursive: true });
    const resultsFile = `${CACHE_DIR}results.json`;
    await writeFile(
      resultsFile,
      JSON.stringify(
        {
          settings: { ...options, vad: vad !== null },
          fixtures: fixtures.map((f) => ({ id: f.id, seconds: f.durationSeconds, text: f.text })),
          models: runs.map(({ rows: _, ...run }) => run),
          rows,
        },
        null,
        2,
      ),
    );
    log(`results written to ${resultsFile}`);
  } finally {
    await vad?.release();
  }
}

interface ModelRun {
  model: string;
  device: string;
  providers: readonly string[];
  offline: { fixture: string; text: string; werVsText: number }[];
  rows: ResultRow[];
}

/** Every tab count through Earshot and the baseline, both serving one model. */
async function benchModel(
  id: string,
  fixtures: readonly Fixture[],
  vad: SileroVad | null,
  options: Options,
): Promise<ModelRun> {
  const model = await resolveModel(id, { allowDownload: true, progress: streamProgress(process.stderr) });
  const recognizer = await loadModelRecognizer(model, options.device);
  const interim = await loadInterim(options, model.id, recognizer);
  const modelKey = modelVersionKey(model);
  const servers: FastifyInstance[] = [];
  try {
    const inputs: TabInput[] = [];
    for (const fixture of fixtures)
      inputs.push({ fixture, offline: await offlineTranscript(fixture, recognizer, modelKey, CACHE_DIR) });
    const offlineWer = inputs.map((i) => wordErrorRate(i.fixture.text, i.offline.text));
    log(
      `${model.id}: offline transcript vs spoken text, WER: ${offlineWer.map((w) => `${(w * 100).toFixed(1)}%`).join(', ')}`,
    );

    const config = { host: '127.0.0.1', maxSessions: Math.max(16, ...options.tabs) };
    const serverConfig =
      options.everyNChunks === undefined ? config : { ...config, everyNChunks: options.everyNChunks };
    const earshot = await buildApp({
      recognizer,
      config: serverConfig,
      ...(vad ? { createSpeechActivity: () => new SpeechActivity(vad.createStream()) } : {}),
    });
    log(`${model.id}: earshot server VAD gating ${vad ? 'on (Silero)' : 'off'}`);
    const other = interim
      ? await buildApp({
          recognizer,
          moreRecognizers: interim === recognizer ? [] : [interim],
          interimModel: interim.modelId,
          config: serverConfig,
          ...(vad ? { createSpeechActivity: () => new SpeechActivity(vad.createStream()) } : {}),
        })
      : await buildBaselineApp(recognizer);
    servers.push(earshot, other);
    const designs = interim ? (['earshot', 'pair'] as const) : (['earshot', 'baseline'] as const);
    const urls: Partial<Record<Design, string>> = {
      earshot: await listen(earshot),
      [designs[1]]: await listen(other),
    };
    await untilReady(urls.earshot as string);
    if (interim) await untilReady(urls.pair as string);
    const timeslices: Record<Design, number> = {
      earshot: options.timeslice / 1000,
      pair: options.timeslice / 1000,
      baseline: BASELINE_TIMESLICE_SECONDS,
    };
    const at = options.labelDevice ? `@${recognizer.device}` : '';
    const label = (design: Design) =>
      design === 'pair' ? `${model.id}+${interim?.modelId}${at}` : `${model.id}${at}`;

    const rows: ResultRow[] = [];
    for (const tabs of options.tabs) {
      for (const design of designs) {
        log(`${model.id}: running ${design} with ${tabs} tab(s)…`);
        const before = engineSpend(null, recognizer);
        const run = await runTabs({
          label: `${design}-${tabs}`,
          baseUrl: urls[design] as string,
          tabs,
          inputs,
          timesliceSeconds: timeslices[design],
        });
        const failure = run.outcomes.flatMap((o) => o.responses).find((r) => r.error !== null);
        if (failure) log(`${design} refused a chunk (seq ${failure.seq}): ${failure.error}`);
        const measures = measureRun(run.outcomes);
        const spent = engineSpend(before, recognizer);
        rows.push(resultRow(label(design), design, tabs, timeslices[design] * 1000, run, measures, spent));
        const p95 = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : '-');
        log(
          `  word→interim p95 ${p95(measures.wordToInterimMs.p95)}, word→final p95 ${p95(measures.wordToFinalMs.p95)}, ` +
            `${measures.behindReplies} behind, ${measures.failedRequests} failed`,
        );
      }
    }
    return {
      model: model.id,
      device: recognizer.device,
      providers: recognizer.providers,
      offline: inputs.map((i, n) => ({
        fixture: i.fixture.id,
        text: i.offline.text,
        werVsText: offlineWer[n] ?? Number.NaN,
      })),
      rows,
    };
  } finally {
    for (const server of servers) await server.close();
    await recognizer.release();
    if (interim && interim !== recognizer) await interim.release();
  }
}

/** The Parakeet recognizer's timings since `before` (all of them without it); null for other engines. */
function engineSpend(before: EngineSpend | null, recognizer: Recognizer): EngineSpend | null {
  if (!(recognizer instanceof ParakeetRecognizer)) return null;
  const now = recognizer.timings();
  if (!before) return now;
  const keys = Object.keys(now) as (keyof EngineSpend)[];
  return Object.fromEntries(keys.map((k) => [k, now[k] - before[k]])) as unknown as EngineSpend;
}

/** The fast model of the pair: the row's own recognizer when it is the same model. */
async function loadInterim(
  options: Options,
  modelId: string,
  recognizer: Recognizer,
): Promise<Recognizer | null> {
  if (options.interimModel === undefined) return null;
  const model = await resolveModel(options.interimModel, {
    allowDownload: true,
    progress: streamProgress(process.stderr),
  });
  return model.id === modelId ? recognizer : loadModelRecognizer(model, options.device);
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main(program.opts<CommandOptions>()).catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
