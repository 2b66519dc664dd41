import { pearson } from '@earshot/shared';
import { dropOlderEntries } from './recent-entries';

/** The loudness of one block of a track, and when its first sample was captured (performance ms). */
export interface Block {
  atMs: number;
  level: number;
}

const KEPT_MS = 4000;
const COMPARED_MS = 3000;
const MAX_LAG_MS = 400;
const LAG_STEP_MS = 2;
const ESTIMATE_EVERY_MS = 500;
/** Below this the two envelopes are not taken to be the same sound (silence, a steady hum). */
const MIN_CORRELATION = 0.8;
const ESTIMATES_KEPT_MS = 60_000;
const SILENT_LEVEL = -5;

/** log10 of a block's RMS on its first channel: speech's envelope lives in its quiet parts too. */
function blockLevel(data: AudioData): number {
  const samples = new Float32Array(data.numberOfFrames);
  data.copyTo(samples, { planeIndex: 0, format: 'f32-planar' });
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.max(SILENT_LEVEL, Math.log10(Math.sqrt(sum / samples.length) + 1e-5));
}

/**
 * How many ms `follow` trails `lead`: the lag (0..MAX_LAG_MS) at which `follow`'s envelope,
 * read at each of `lead`'s block times plus the lag, correlates best with `lead`'s. Undefined when
 * no lag makes them the same sound. Both lists are in time order.
 */
export function envelopeLagMs(lead: Block[], follow: Block[]): number | undefined {
  let best: { lag: number; r: number } | undefined;
  for (let lag = 0; lag <= MAX_LAG_MS; lag += LAG_STEP_MS) {
    const r = correlation(lead, follow, lag);
    if (r !== undefined && (!best || r > best.r)) best = { lag, r };
  }
  return best && best.r >= MIN_CORRELATION ? best.lag : undefined;
}

function correlation(lead: Block[], follow: Block[], lag: number): number | undefined {
  const xs: number[] = [];
  const ys: number[] = [];
  let j = 0;
  for (const block of lead) {
    const t = block.atMs + lag;
    while (j + 1 < follow.length && (follow[j + 1] as Block).atMs <= t) j++;
    const a = follow[j];
    const b = follow[j + 1];
    if (!a || !b || a.atMs > t) continue;
    const f = (t - a.atMs) / (b.atMs - a.atMs);
    xs.push(block.level);
    ys.push(a.level + f * (b.level - a.level));
  }
  return xs.length < 50 ? undefined : pearson(xs, ys);
}

/** Keeps the last KEPT_MS of a track's block levels. */
class TrackEnvelope {
  readonly blocks: Block[] = [];
  private readonly reader: ReadableStreamDefaultReader<AudioData>;

  constructor(track: MediaStreamTrack) {
    this.reader = new MediaStreamTrackProcessor({ track }).readable.getReader();
    void this.read();
  }

  stop(): void {
    void this.reader.cancel().catch(() => {});
  }

  private async read(): Promise<void> {
    for (;;) {
      const { value, done } = await this.reader.read().catch(() => ({ value: undefined, done: true }));
      if (done || !value) return;
      const atMs = value.timestamp / 1000;
      this.blocks.push({ atMs, level: blockLevel(value) });
      value.close();
      dropOlderEntries(this.blocks, (b) => b.atMs >= atMs - KEPT_MS);
    }
  }
}

/**
 * How long the tab's sound takes to reach the audio context's graph. Chromium feeds a media
 * stream source from a FIFO that fills while the context renders slowly (as it does on a loaded
 * machine) and drains while it catches up, so this latency wanders by up to 100 ms within a
 * minute. It is measured by matching the envelope of the tab's track with that of the graph's
 * own output stream: both tracks time their blocks on the same clock, by when they were captured.
 */
export class CaptureLatency {
  private readonly tab: TrackEnvelope;
  private readonly graph: TrackEnvelope;
  private readonly timer: ReturnType<typeof setInterval>;
  /** Estimates by the wall-clock ms they were made at. */
  private readonly estimates: { atMs: number; ms: number }[] = [];

  constructor(tabTrack: MediaStreamTrack, graphTrack: MediaStreamTrack) {
    this.tab = new TrackEnvelope(tabTrack);
    this.graph = new TrackEnvelope(graphTrack);
    this.timer = setInterval(() => this.estimate(), ESTIMATE_EVERY_MS);
  }

  /** The latest latency measured, ms (0 until the tab has made a sound to measure it by). */
  get ms(): number {
    return this.estimates.at(-1)?.ms ?? 0;
  }

  /** The latency as measured at wall-clock `atMs` (the first measured for earlier moments). */
  msAt(atMs: number): number {
    return (this.estimates.findLast((e) => e.atMs <= atMs) ?? this.estimates[0])?.ms ?? 0;
  }

  /** Every estimate kept, for diagnostics. */
  history(): readonly { atMs: number; ms: number }[] {
    return this.estimates;
  }

  stop(): void {
    clearInterval(this.timer);
    this.tab.stop();
    this.graph.stop();
  }

  private estimate(): void {
    const end = this.tab.blocks.at(-1)?.atMs;
    if (end === undefined) return;
    const lead = this.tab.blocks.filter((b) => b.atMs >= end - COMPARED_MS && b.atMs <= end - MAX_LAG_MS);
    const ms = envelopeLagMs(lead, this.graph.blocks);
    if (ms === undefined) return;
    const now = Date.now();
    this.estimates.push({ atMs: now, ms });
    dropOlderEntries(this.estimates, (e) => e.atMs >= now - ESTIMATES_KEPT_MS);
  }
}
