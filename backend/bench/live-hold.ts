import { metricSamples } from './server-metrics';

/** Live captions hold when no chunk is refused, no audio is given up and no tab is further behind than this. */
export const HOLD_LAG_SECONDS = 2;

/** What a run of live tabs did to the server(s) it ran on. */
export interface LiveLoad {
  /** Audio given up to keep captions live (`earshot_audio_skipped_seconds_total`), all servers together. */
  skippedSeconds: number;
  /** The most audio a tab had waiting to be recognized (the answers' `lag_seconds`); NaN if none said. */
  lagMaxSeconds: number;
  /** Chunks not answered 200. */
  failedRequests: number;
}

export function holds(load: LiveLoad): boolean {
  return load.failedRequests === 0 && load.skippedSeconds === 0 && load.lagMaxSeconds <= HOLD_LAG_SECONDS;
}

/** Seconds of audio a server gave up between two scrapes of its /metrics. */
export function skippedSecondsBetween(before: string, after: string): number {
  return counterTotal(after, SKIPPED) - counterTotal(before, SKIPPED);
}

const SKIPPED = 'earshot_audio_skipped_seconds_total';

/** A counter's value, summed over its label sets. */
function counterTotal(metrics: string, name: string): number {
  return [...metricSamples(metrics, name).values()].reduce((sum, v) => sum + v, 0);
}

/** The most tabs found to hold, and the fewest found not to (null when every count tried held). */
export interface HoldSearch<T> {
  held: number;
  failedAt: number | null;
  /** Each run, in the order tried. */
  runs: { tabs: number; result: T }[];
}

/**
 * The largest number of tabs that hold, by runs of `run`: doubling from `start` until a run does not
 * hold, then halving the gap between the most that held and the fewest that did not, in at most
 * `tries` runs (the gap may stay open when they run out).
 */
export async function mostTabsThatHold<T extends LiveLoad>(
  start: number,
  tries: number,
  run: (tabs: number) => Promise<T>,
): Promise<HoldSearch<T>> {
  const search: HoldSearch<T> = { held: 0, failedAt: null, runs: [] };
  let tabs = start;
  while (search.runs.length < tries) {
    const result = await run(tabs);
    search.runs.push({ tabs, result });
    if (holds(result)) search.held = tabs;
    else search.failedAt = tabs;
    if (search.failedAt === null) {
      tabs = search.held * 2;
    } else {
      if (search.failedAt - search.held <= 1) break;
      tabs = Math.floor((search.held + search.failedAt) / 2);
    }
  }
  return search;
}
