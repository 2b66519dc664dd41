import type { DecodeTimings } from '../src/engine/parakeet';
import { LAG_WINDOW_SECONDS, type RunMeasures } from './measures';
import type { TabsRun } from './run-tabs';
import { histogramQuantileBound } from './server-metrics';
import type { Spread } from './stats';

/** `pair`: Earshot with `--interim-model` beside the row's model, which then makes only the finals. */
export type Design = 'earshot' | 'baseline' | 'pair';

export interface ServerStage {
  /** An `earshot_*` histogram's name and labels as the server's GET /metrics names them. */
  series: string;
  count: number;
  /** Milliseconds for `*_seconds` histograms, the histogram's own unit otherwise. */
  unit: 'ms' | '';
  mean: number;
  /** Upper bounds of the buckets holding the median and the 95th percentile. */
  p50AtMost: number;
  p95AtMost: number;
}

export interface ResultRow {
  model: string;
  design: Design;
  tabs: number;
  timesliceMs: number;
  measures: RunMeasures;
  wallSeconds: number;
  cpuSecondsPerSession: number;
  /** CPU seconds spent per second of audio streamed (all tabs): below 1 keeps up on one core. */
  cpuPerAudioSecond: number;
  rssMbPerSession: number;
  /** The same in proportional memory: the decoders' shared libraries counted once. */
  pssMbPerSession: number;
  peakRssMb: number;
  serverStages: ServerStage[] | null;
  /** The recognizer's own timings over the run (Parakeet only): where each decode's time went. */
  engine: EngineSpend | null;
}

/** DecodeTimings summed over one run. */
export type EngineSpend = DecodeTimings;

const MB = 1024 * 1024;

export function resultRow(
  model: string,
  design: Design,
  tabs: number,
  timesliceMs: number,
  run: TabsRun,
  measures: RunMeasures,
  engine: EngineSpend | null = null,
) {
  return {
    model,
    design,
    tabs,
    timesliceMs,
    measures,
    wallSeconds: run.wallSeconds,
    cpuSecondsPerSession: run.cpuSeconds / tabs,
    cpuPerAudioSecond: run.cpuSeconds / Math.max(1e-9, measures.audioSeconds),
    rssMbPerSession: Math.max(0, run.peakRssBytes - run.baseRssBytes) / MB / tabs,
    pssMbPerSession: Math.max(0, run.peakPssBytes - run.basePssBytes) / MB / tabs,
    peakRssMb: run.peakRssBytes / MB,
    engine,
    serverStages:
      run.serverStages
        ?.filter((h) => h.name.startsWith('earshot_'))
        .map((h): ServerStage => {
          const scale = h.name.endsWith('_seconds') ? 1000 : 1;
          return {
            series: h.labels ? `${h.name}{${h.labels}}` : h.name,
            count: h.count,
            unit: scale === 1000 ? 'ms' : '',
            mean: (h.sum / h.count) * scale,
            p50AtMost: histogramQuantileBound(h, 0.5) * scale,
            p95AtMost: histogramQuantileBound(h, 0.95) * scale,
          };
        }) ?? null,
  } satisfies ResultRow;
}

const s = (ms: number) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const p50p95 = (spread: Spread) => `${s(spread.p50)}/${s(spread.p95)}`;

const COLUMNS = [
  ['model', 14],
  ['design', 8],
  ['tabs', 4],
  ['interim p50/p95 s', 17],
  ['final p50/p95 s', 15],
  ['cover→int s', 11],
  ['cover→fin s', 11],
  ['shown', 6],
  ['final', 6],
  ['WER offl', 8],
  ['WER text', 8],
  ['lag max/end s', 13],
  ['CPU s/tab', 9],
  ['CPU/audio', 9],
  ['RSS MB/tab', 10],
  ['RTF', 6],
  ['behind', 6],
  ['failed', 6],
] as const;

export function formatTable(rows: readonly ResultRow[]): string {
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => cell.padStart(COLUMNS[i]?.[1] ?? 0)).join('  ');
  const body = rows.map((row) => {
    const m = row.measures;
    return line([
      row.model,
      row.design,
      String(row.tabs),
      p50p95(m.wordToInterimMs),
      p50p95(m.wordToFinalMs),
      p50p95(m.coverToInterimMs),
      p50p95(m.coverToFinalMs),
      pct(m.shownShare),
      pct(m.finalShare),
      pct(m.werVsOffline),
      pct(m.werVsText),
      `${s(m.lagMaxMs)}/${s(m.lagEndMs)}`,
      row.cpuSecondsPerSession.toFixed(1),
      row.cpuPerAudioSecond.toFixed(3),
      row.rssMbPerSession.toFixed(1),
      realTimeFactor(row),
      String(m.behindReplies),
      String(m.failedRequests),
    ]);
  });
  return [line(COLUMNS.map(([name]) => name)), ...body].join('\n');
}

/** Inference seconds per audio second, mean over the run's batches, as the server measured it. */
function realTimeFactor(row: ResultRow): string {
  const stage = row.serverStages?.find((s) => s.series === 'earshot_inference_real_time_factor');
  return stage && stage.count > 0 ? stage.mean.toFixed(3) : '-';
}

/** The latency budget by stage: what the tabs measured, then what the server reports about itself. */
export function formatStages(rows: readonly ResultRow[]): string {
  const out: string[] = [];
  for (const row of rows) {
    const { captureWaitMs, clientQueueMs, roundTripMs } = row.measures.stages;
    out.push(
      `${row.model} ${row.design} × ${row.tabs} (timeslice ${row.timesliceMs} ms): ` +
        `timeslice wait mean ${s(captureWaitMs.mean)} p95 ${s(captureWaitMs.p95)} s, ` +
        `client queue p50/p95 ${p50p95(clientQueueMs)} s, post→reply p50/p95 ${p50p95(roundTripMs)} s`,
    );
    const lagSteps = row.measures.lagOverTime.map((w) => s(w.maxLagMs)).join(' ');
    out.push(`    lag over time (worst tab, per ${LAG_WINDOW_SECONDS} s of audio): ${lagSteps} s`);
    out.push(
      `    memory per tab: RSS ${row.rssMbPerSession.toFixed(1)} MB, PSS ${row.pssMbPerSession.toFixed(1)} MB (shared pages counted once); peak RSS ${row.peakRssMb.toFixed(0)} MB`,
    );
    const serverLag = row.measures.serverLagMaxSeconds;
    if (serverLag !== null)
      out.push(`    server-reported lag (audio not yet recognized): max ${serverLag.toFixed(2)} s`);
    if (row.engine && row.engine.decodes > 0) {
      const e = row.engine;
      const per = (ms: number) => (ms / e.decodes).toFixed(0);
      const sessions = e.encoderSessionMs + e.jointSessionMs;
      out.push(
        `    engine: ${e.decodes} decodes, per decode ${per(e.totalMs)} ms = features ${per(e.featuresSessionMs)} + ` +
          `encoder ${per(e.encoderSessionMs)} + joint session ${per(e.jointSessionMs)} (${(e.jointRuns / e.decodes).toFixed(0)} runs) + ` +
          `loop outside it ${per(e.loopMs - e.jointSessionMs)} + rest ${per(e.totalMs - e.featuresSessionMs - e.encoderSessionMs - e.loopMs)} ms; ` +
          `outside encoder + decoder/joint sessions ${pct(1 - sessions / e.totalMs)}, decode / bare sessions ${(e.totalMs / sessions).toFixed(2)}×`,
      );
    }
    if (row.serverStages === null) {
      out.push('    server: no GET /metrics; post→reply covers decode, queue and inference together');
      continue;
    }
    for (const stage of row.serverStages) {
      out.push(
        `    ${stage.series}: n=${stage.count} mean ${stage.mean.toFixed(stage.unit ? 1 : 3)}, ` +
          `p50 ≤ ${stage.p50AtMost} p95 ≤ ${stage.p95AtMost}${stage.unit ? ` ${stage.unit}` : ''}`,
      );
    }
  }
  return out.join('\n');
}
