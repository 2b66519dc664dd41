import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { wordErrorRate } from '../src/transcript/word-errors';
import { benchFixtures, ensureFixture, type Fixture, type OfflineTranscript } from './fixtures';
import { holds, skippedSecondsBetween } from './live-hold';
import { type RecognitionPass, recognitionPass, type SpokenRecording } from './live-profile';
import { measureRun, type RunMeasures, type TabOutcome } from './measures';
import { positiveWholeNumbers, wholeNumber } from './options';
import { untilReady } from './ready';
import { checkVocabulary } from './sentences';
import { scrapeMetrics } from './server-metrics';
import { groupCpuSeconds, ownCpuSeconds, type ServerProcess, startServerProcess } from './server-process';
import { runTab } from './tab';
import { planChunks } from './webm-chunks';

// What live captions cost against recognizing the same audio once: CPU seconds of the whole
// `earshot serve` process group (server, ONNX Runtime threads, ffmpeg decoders) per second of audio,
// live through /asr/stream as the extension streams it, and as one file through /v1.

const CACHE_DIR = fileURLToPath(new URL('../.cache/bench/', import.meta.url));
const WORD_LIST = fileURLToPath(new URL('../models/tiny-en/words.txt', import.meta.url));
const TWIN_INT8 = fileURLToPath(new URL('../.cache/parakeet-twin-int8', import.meta.url));
const TINY_WHISPER = fileURLToPath(new URL('../.cache/tiny-whisper', import.meta.url));
const TIMESLICE_SECONDS = 0.25;
const SERVER_PART = 'HTTP, JSON, sessions and the rest of the server';

const program = new Command('bench:live-cost')
  .description('Live captions against one decode of the same audio: CPU, latency, accuracy, tabs that hold')
  .option(
    '--model <list>',
    'models, comma separated; FINAL+FAST runs a pair (fast interims, strong finals); default: tiny-en, and the int8 twin, the pair and the tiny random Whisper where built',
    (v) => v.split(',').filter(Boolean),
  )
  .option('--tabs <list>', 'tab counts', positiveWholeNumbers, [1, 4, 8])
  .option('--seconds <n>', 'most seconds of audio per recording', wholeNumber(1), 30)
  .option('--device <device>', 'cpu | auto | cuda | cuda:N', 'cpu')
  .option(
    '--recordings <n>',
    'recordings (of --seconds each) streamed one at a time through the pipeline in this process, for word error rates over more audio and the CPU profile',
    wholeNumber(0),
    8,
  )
  .parse();

interface Options {
  model?: string[];
  tabs: number[];
  seconds: number;
  device: string;
  recordings: number;
}

interface Setup {
  label: string;
  final: string;
  fast?: string;
}

interface Row {
  setup: string;
  tabs: number;
  audioSeconds: number;
  /** CPU seconds per audio second: the whole server group, and its ffmpeg decoders alone. */
  liveCpuPerAudioSecond: number;
  ffmpegCpuPerAudioSecond: number;
  fileCpuPerAudioSecond: number;
  measures: RunMeasures;
  offlineWerVsText: number;
  skippedSeconds: number;
  lagMaxSeconds: number;
}

async function main(options: Options): Promise<void> {
  checkVocabulary(WORD_LIST);
  const setups = (options.model ?? defaultModels()).map(parseSetup);
  const fixtures = await benchFixtures(Math.max(...options.tabs), options.seconds, CACHE_DIR);
  const recordings = await passRecordings(options);
  const rows: Row[] = [];
  const profiles: Profile[] = [];
  for (const setup of setups) {
    const setupRows = await benchSetup(setup, fixtures, options);
    rows.push(...setupRows);
    if (recordings.length === 0) continue;
    log(`${setup.label}: streaming ${recordings.length} recordings one at a time in this process…`);
    const pass = await recognitionPass(
      recordings,
      { final: setup.final, ...(setup.fast ? { fast: setup.fast } : {}) },
      options.device,
    );
    profiles.push(profile(setup, pass, setupRows.find((r) => r.tabs === 1) ?? null));
  }
  const tables = [costTable(rows), latencyTable(rows), accuracyTable(profiles), profileTable(profiles)];
  process.stdout.write(`\n${tables.join('\n\n')}\n`);
  await mkdir(CACHE_DIR, { recursive: true });
  const file = join(CACHE_DIR, 'live-cost.json');
  await writeFile(file, JSON.stringify({ settings: options, rows, profiles }, null, 2));
  log(`results written to ${file}`);
}

/** tiny-en, and the 0.6B twin, the pair and the tiny random Whisper where they are built. */
function defaultModels(): string[] {
  const models = ['tiny-en'];
  if (existsSync(TWIN_INT8)) models.push(TWIN_INT8, `${TWIN_INT8}+tiny-en`);
  else log('the 0.6B twin is not built (bash backend/recipes/parakeet-twin/build.sh): leaving it out');
  if (existsSync(TINY_WHISPER)) models.push(TINY_WHISPER);
  else log('the tiny random Whisper is not built (the Whisper tests build it): leaving it out');
  return models;
}

function parseSetup(spec: string): Setup {
  const [final = '', fast] = spec.split('+');
  const name = (id: string) =>
    id === TWIN_INT8
      ? '0.6B twin int8'
      : id === TINY_WHISPER
        ? 'tiny random Whisper'
        : id.split('/').at(-1) || id;
  return { label: fast ? `${name(final)} + ${name(fast)}` : name(final), final, ...(fast ? { fast } : {}) };
}

async function benchSetup(setup: Setup, fixtures: readonly Fixture[], options: Options): Promise<Row[]> {
  const args = ['--model', setup.final, '--device', options.device];
  if (setup.fast) args.push('--model', setup.fast, '--interim-model', setup.fast);
  log(`${setup.label}: starting earshot serve ${args.join(' ')}`);
  const server = await startServerProcess(args);
  try {
    await untilReady(server.url);
    const file = await fileCosts(server, fixtures);
    log(`${setup.label}: file ${file.cpuPerAudioSecond.toFixed(4)} CPU-s per audio s`);
    const rows: Row[] = [];
    for (const tabs of options.tabs) {
      const row = await liveRow(server, setup, fixtures, file, tabs);
      log(
        `${setup.label}, ${tabs} tab(s): ${row.liveCpuPerAudioSecond.toFixed(4)} CPU-s per audio s ` +
          `(${(row.liveCpuPerAudioSecond / row.fileCpuPerAudioSecond).toFixed(1)}× the file), ` +
          `lag max ${row.lagMaxSeconds.toFixed(2)} s, ${row.skippedSeconds.toFixed(1)} s skipped`,
      );
      rows.push(row);
    }
    return rows;
  } finally {
    await server.stop();
  }
}

interface FileCosts {
  cpuPerAudioSecond: number;
  offline: Map<string, OfflineTranscript>;
}

/** Each recording once through POST /v1/audio/transcriptions: the cost floor, and the reference words. */
async function fileCosts(server: ServerProcess, fixtures: readonly Fixture[]): Promise<FileCosts> {
  const offline = new Map<string, OfflineTranscript>();
  let cpu = 0;
  let audio = 0;
  for (const fixture of fixtures) {
    const wav = await fixtureWav(fixture);
    const before = groupCpuSeconds(server.pid);
    offline.set(fixture.id, await transcribeFile(server.url, wav));
    await settle();
    cpu += groupCpuSeconds(server.pid) - before;
    audio += fixture.durationSeconds;
  }
  return { cpuPerAudioSecond: cpu / audio, offline };
}

async function liveRow(
  server: ServerProcess,
  setup: Setup,
  fixtures: readonly Fixture[],
  file: FileCosts,
  tabs: number,
): Promise<Row> {
  const metricsBefore = (await scrapeMetrics(server.url)) ?? '';
  const groupBefore = groupCpuSeconds(server.pid);
  const ownBefore = ownCpuSeconds(server.pid);
  const outcomes = await streamTabs(server.url, fixtures, file.offline, tabs);
  await settle();
  const group = groupCpuSeconds(server.pid) - groupBefore;
  const own = ownCpuSeconds(server.pid) - ownBefore;
  const metricsAfter = (await scrapeMetrics(server.url)) ?? '';
  const audioSeconds = outcomes.reduce((sum, o) => sum + o.fixture.durationSeconds, 0);
  const skipped = skippedSecondsBetween(metricsBefore, metricsAfter);
  const measures = measureRun(outcomes);
  // Pooled like the streamed finals' rate: edits over all spoken words.
  const spokenWords = outcomes.map((o) => o.fixture.text.split(' ').length);
  const offlineEdits = outcomes.map(
    (o, i) => wordErrorRate(o.fixture.text, o.offline.text) * (spokenWords[i] ?? 0),
  );
  return {
    setup: setup.label,
    tabs,
    audioSeconds,
    liveCpuPerAudioSecond: group / audioSeconds,
    ffmpegCpuPerAudioSecond: (group - own) / audioSeconds,
    fileCpuPerAudioSecond: file.cpuPerAudioSecond,
    measures,
    offlineWerVsText:
      offlineEdits.reduce((sum, e) => sum + e, 0) /
      Math.max(
        1,
        spokenWords.reduce((sum, n) => sum + n, 0),
      ),
    skippedSeconds: skipped,
    lagMaxSeconds: measures.serverLagMaxSeconds ?? Number.NaN,
  };
}

/** Streams `tabs` recordings at once in real time, as the extension does (250 ms chunks). */
async function streamTabs(
  url: string,
  fixtures: readonly Fixture[],
  offline: ReadonlyMap<string, OfflineTranscript>,
  tabs: number,
): Promise<TabOutcome[]> {
  const start = Date.now() + 200;
  const stagger = (TIMESLICE_SECONDS * 1000) / tabs;
  const run = `cost-${Date.now()}`;
  return Promise.all(
    Array.from({ length: tabs }, async (_, i): Promise<TabOutcome> => {
      const fixture = fixtures[i % fixtures.length] as Fixture;
      const chunks = planChunks(fixture.webm.length, fixture.packets, TIMESLICE_SECONDS, i + 1);
      const captureStartMs = start + i * stagger;
      const responses = await runTab(url, {
        tabId: i,
        recordingId: `${run}-${i}`,
        webm: fixture.webm,
        chunks,
        captureStartMs,
      });
      const failure = responses.find((r) => r.error !== null);
      if (failure) log(`tab ${i} refused at seq ${failure.seq}: ${failure.error}`);
      const reference = offline.get(fixture.id) ?? { text: '', words: [] };
      return { fixture, offline: reference, chunks, captureStartMs, responses };
    }),
  );
}

interface Profile {
  setup: string;
  /** CPU milliseconds per second of audio, by part. */
  parts: Record<string, number>;
  words: number;
  streamedWer: number;
  fileWer: number;
}

/** Recordings other than the live runs', so that word error rates rest on more words. */
async function passRecordings(options: Options): Promise<SpokenRecording[]> {
  const recordings: SpokenRecording[] = [];
  for (let i = 0; i < options.recordings; i++) {
    const spec = {
      seconds: options.seconds,
      seed: 100 + i,
      wordsPerMinute: [150, 165, 140, 175][i % 4] ?? 150,
    };
    const fixture = await ensureFixture(spec, CACHE_DIR);
    recordings.push({ file: join(CACHE_DIR, 'fixtures', fixture.id, 'audio.webm'), text: fixture.text });
  }
  return recordings;
}

/**
 * Where one tab's live CPU goes: the recognition half measured part by part in this process (see
 * recognitionPass), ffmpeg from the server's one-tab live run, and the rest of that run's server CPU.
 */
function profile(setup: Setup, pass: RecognitionPass, oneTab: Row | null): Profile {
  const recognized = Object.values(pass.parts).reduce((sum, s) => sum + s, 0);
  const parts: Record<string, number> = { ...pass.parts };
  // A tab that fell behind had interims dropped: its run did less than the pass, and the rest of the
  // server cannot be told from the difference.
  if (oneTab && rowHolds(oneTab)) {
    parts['ffmpeg: container decoding and resampling'] = oneTab.ffmpegCpuPerAudioSecond;
    parts[SERVER_PART] = oneTab.liveCpuPerAudioSecond - oneTab.ffmpegCpuPerAudioSecond - recognized;
  }
  return {
    setup: setup.label,
    parts: Object.fromEntries(Object.entries(parts).map(([part, s]) => [part, s * 1000])),
    words: pass.words,
    streamedWer: pass.streamedWer,
    fileWer: pass.fileWer,
  };
}

async function fixtureWav(fixture: Fixture): Promise<Buffer> {
  const dir = join(CACHE_DIR, 'fixtures', fixture.id);
  const wav = join(dir, 'audio.wav');
  if (!existsSync(wav)) {
    const args = ['-hide_banner', '-loglevel', 'error', '-y', '-i', join(dir, 'audio.webm')];
    execFileSync('ffmpeg', [...args, '-ac', '1', '-ar', '16000', wav]);
  }
  return readFile(wav);
}

async function transcribeFile(url: string, wav: Buffer): Promise<OfflineTranscript> {
  const form = new FormData();
  form.append('file', new Blob([wav], { type: 'audio/wav' }), 'audio.wav');
  form.append('model', 'whisper-1');
  form.append('response_format', 'verbose_json');
  form.append('timestamp_granularities[]', 'word');
  const response = await fetch(new URL('/v1/audio/transcriptions', url), { method: 'POST', body: form });
  const body = (await response.json()) as {
    text?: string;
    words?: { word: string; start: number; end: number }[];
  };
  if (!response.ok) throw new Error(`file transcription failed: ${JSON.stringify(body)}`);
  return { text: body.text ?? '', words: body.words ?? [] };
}

/** Lets the last answers and reaped decoders be counted before CPU is read. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 500));
}

const seconds = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const percent = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '-');

function rowHolds(row: Row): boolean {
  return holds({ ...row, failedRequests: row.measures.failedRequests });
}

function costTable(rows: readonly Row[]): string {
  const lines = [
    'CPU seconds of the whole server per second of audio (all tabs together), live and as one file',
    '| model | tabs | live | file | live ÷ file | lag max s | audio skipped s | holds |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.setup} | ${r.tabs} | ${r.liveCpuPerAudioSecond.toFixed(3)} | ${r.fileCpuPerAudioSecond.toFixed(3)} | ${(r.liveCpuPerAudioSecond / r.fileCpuPerAudioSecond).toFixed(1)}× | ${r.lagMaxSeconds.toFixed(2)} | ${r.skippedSeconds.toFixed(1)} | ${rowHolds(r) ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

function latencyTable(rows: readonly Row[]): string {
  const lines = [
    'Seconds from the end of a word to the first caption showing it (p50/p95), and word error rates against the spoken text',
    '| model | tabs | word→interim | sentence end→caption p95 / max | word→final | coverage→interim / →final p95 | WER finals | WER file |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const m = r.measures;
    lines.push(
      `| ${r.setup} | ${r.tabs} | ${seconds(m.wordToInterimMs.p50)}/${seconds(m.wordToInterimMs.p95)} | ${seconds(m.sentenceEndToInterimMs.p95)} / ${seconds(m.sentenceEndToInterimMs.max)} | ${seconds(m.wordToFinalMs.p50)}/${seconds(m.wordToFinalMs.p95)} | ${seconds(m.coverToInterimMs.p95)} / ${seconds(m.coverToFinalMs.p95)} | ${percent(m.werVsText)} | ${percent(r.offlineWerVsText)} |`,
    );
  }
  return lines.join('\n');
}

function accuracyTable(profiles: readonly Profile[]): string {
  const lines = [
    'Word error rates against the spoken text, each recording streamed (finals) and sent as a file, one at a time in this process',
    '| model | words | streamed finals | file | difference |',
    '|---|---|---|---|---|',
  ];
  for (const p of profiles) {
    const points = ((p.streamedWer - p.fileWer) * 100).toFixed(1);
    lines.push(
      `| ${p.setup} | ${p.words} | ${percent(p.streamedWer)} | ${percent(p.fileWer)} | ${points} points |`,
    );
  }
  return lines.join('\n');
}

function profileTable(profiles: readonly Profile[]): string {
  const lines = ["Where one tab's live CPU goes, milliseconds per second of audio"];
  for (const p of profiles) {
    const parts = Object.entries(p.parts).sort(([, a], [, b]) => b - a);
    const server =
      SERVER_PART in p.parts ? '' : ' · (one tab did not hold: ffmpeg and the server not told apart)';
    lines.push(`- ${p.setup}: ${parts.map(([part, ms]) => `${part} ${ms.toFixed(1)}`).join(' · ')}${server}`);
  }
  return lines.join('\n');
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main(program.opts<Options>()).catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
