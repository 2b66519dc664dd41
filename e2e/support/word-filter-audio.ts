import { execFileSync } from 'node:child_process';
import { type OutputLevels, pearson } from '@earshot/shared';
import type { Page } from '@playwright/test';
import type { ExtensionControl } from './fixtures';

/** Loudness of 10 ms blocks. */
export type Level = OutputLevels['levels'][number];
/** A silence scheduled on the output, in wall-clock ms at the speakers. */
export type Silence = OutputLevels['silences'][number];

/** What the media element played when: the page notes its position every 20 ms. */
export interface MediaSample {
  atMs: number;
  mediaTime: number;
  playing: boolean;
}

declare global {
  interface Window {
    earshotMediaLog?: MediaSample[];
  }
}

export const BLOCK_MS = 10;
/** A block of the original this loud is speech. */
export const LOUD_RMS = 0.01;
/** A block of the output quieter than this is silence (a silenced word is exactly zero). */
export const SILENT_RMS = 0.002;

export async function recordMediaClock(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log: MediaSample[] = [];
    window.earshotMediaLog = log;
    setInterval(() => {
      const media = document.getElementById('media') as HTMLMediaElement | null;
      if (media) log.push({ atMs: Date.now(), mediaTime: media.currentTime, playing: !media.paused });
    }, 20);
  });
}

export async function mediaLog(page: Page): Promise<MediaSample[]> {
  return page.evaluate(() => window.earshotMediaLog ?? []);
}

/**
 * The playback path's output meter (the AnalyserNode after silencing, before the speakers) and the
 * silences it was asked for.
 */
export async function outputLevels(control: ExtensionControl, tabId: number): Promise<OutputLevels> {
  return (await control.page.evaluate(
    (id) => chrome.runtime.sendMessage({ type: 'earshot/output-levels', tabId: id }),
    tabId,
  )) as OutputLevels;
}

/** The silences that reach into [start, end] of media time, placed with the output's lag, for a log. */
export function silencesNear(
  silences: readonly Silence[],
  log: readonly MediaSample[],
  lagMs: number,
  start: number,
  end: number,
): string[] {
  const found: string[] = [];
  for (const s of silences) {
    const from = mediaTimeAt(log, s.fromMs - lagMs);
    const to = mediaTimeAt(log, s.toMs - lagMs);
    if (from === undefined || to === undefined || to < start || from > end) continue;
    found.push(`${s.source} ${((from - start) * 1000).toFixed(0)}…${((to - start) * 1000).toFixed(0)} ms`);
  }
  return found;
}

/** The media position playing at `wallMs`, from the page's log (undefined outside it or paused). */
export function mediaTimeAt(log: readonly MediaSample[], wallMs: number): number | undefined {
  // The log is in time order: find its last sample at or before wallMs.
  let low = 0;
  let high = log.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((log[mid] as MediaSample).atMs <= wallMs) low = mid + 1;
    else high = mid;
  }
  const before = log[low - 1];
  if (!before?.playing || wallMs - before.atMs > 100) return undefined;
  return before.mediaTime + (wallMs - before.atMs) / 1000;
}

/** RMS of 10 ms blocks of a media file's audio, as decoded by ffmpeg, indexed by media time. */
export function originalLevels(file: string): Float64Array {
  const pcm = execFileSync(
    'ffmpeg',
    ['-v', 'error', '-i', file, '-vn', '-ac', '1', '-ar', '48000', '-f', 'f32le', 'pipe:1'],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  const samples = new Float32Array(pcm.buffer, pcm.byteOffset, Math.floor(pcm.byteLength / 4));
  const perBlock = 480;
  const levels = new Float64Array(Math.floor(samples.length / perBlock));
  for (let b = 0; b < levels.length; b++) {
    let sum = 0;
    for (let i = b * perBlock; i < (b + 1) * perBlock; i++) sum += (samples[i] ?? 0) ** 2;
    levels[b] = Math.sqrt(sum / perBlock);
  }
  return levels;
}

export function levelAt(original: Float64Array, mediaTime: number): number | undefined {
  const index = Math.floor((mediaTime * 1000) / BLOCK_MS);
  return index >= 0 && index < original.length ? original[index] : undefined;
}

/** One output block next to the original block that played into it. */
export interface AlignedBlock {
  atMs: number;
  mediaTime: number;
  output: number;
  original: number;
}

/** Output blocks paired with the original, for a lag (ms) from the media element to the output. */
export function align(
  levels: readonly Level[],
  log: readonly MediaSample[],
  original: Float64Array,
  lagMs: number,
): AlignedBlock[] {
  const blocks: AlignedBlock[] = [];
  for (const level of levels) {
    const mediaTime = mediaTimeAt(log, level.atMs - lagMs);
    if (mediaTime === undefined) continue;
    const source = levelAt(original, mediaTime);
    if (source !== undefined)
      blocks.push({ atMs: level.atMs, mediaTime, output: level.rms, original: source });
  }
  return blocks;
}

function correlation(blocks: readonly AlignedBlock[]): number {
  const xs = blocks.map((b) => Math.log10(b.output + 1e-4));
  const ys = blocks.map((b) => Math.log10(b.original + 1e-4));
  return pearson(xs, ys) ?? 0;
}

/** The lag (ms, in 10 ms steps within the range) at which the output best follows the original. */
export function outputLag(
  levels: readonly Level[],
  log: readonly MediaSample[],
  original: Float64Array,
  fromMs: number,
  toMs: number,
): { lagMs: number; correlation: number } {
  let best = { lagMs: fromMs, correlation: -Infinity };
  for (let lag = fromMs; lag <= toMs; lag += BLOCK_MS) {
    const r = correlation(align(levels, log, original, lag));
    if (r > best.correlation) best = { lagMs: lag, correlation: r };
  }
  return best;
}

/** How a stretch of media time came out: speech blocks in it, and how many of them were heard. */
export function heardIn(blocks: readonly AlignedBlock[], start: number, end: number) {
  const speech = blocks.filter((b) => b.mediaTime >= start && b.mediaTime < end && b.original >= LOUD_RMS);
  const heard = speech.filter((b) => b.output > SILENT_RMS);
  return { speechMs: speech.length * BLOCK_MS, heardMs: heard.length * BLOCK_MS, heard, speech };
}
