import type { BackpressureLevel, TabCaptureState } from '@earshot/shared';
import type { TabCaptionStats } from '../storage-items';

/** Seconds of audio waiting at the backend from which the user is told it cannot keep up. */
export const FALLING_BEHIND_SECONDS = 3;

const ADVICE_WHEN_BEHIND =
  'Caption fewer tabs at once, or run a smaller model (an -int8 one) or the GPU (--device cuda).';

/** What each backpressure level of GET /status means for the user's captions. */
export const BACKPRESSURE_WORDS: Record<BackpressureLevel, string> = {
  normal: 'keeping up',
  shedding_interims: 'it skips captions still being heard, finals still come',
  cutting_windows: 'it drops audio it cannot recognise in time, so some words are missed',
};

export interface CaptionSummary {
  /** What is going on, in words. */
  text: string;
  /** What the user can do about it; absent when all is well. */
  advice?: string;
  tone: 'ok' | 'warn' | 'error' | 'idle';
}

/** How the tab's captions are doing, and what to do when something is wrong. */
export function summariseCaptions(
  state: TabCaptureState | undefined,
  stats: TabCaptionStats | undefined,
  backendReachable: boolean | undefined,
  backpressure: BackpressureLevel = 'normal',
): CaptionSummary {
  const status = state?.status ?? 'off';
  if (status === 'error')
    return {
      text: state?.reason ?? 'Captions stopped.',
      advice: 'Press Start captions to try again.',
      tone: 'error',
    };
  if (status === 'backend_offline')
    return {
      text: state?.reason ?? 'The backend stopped answering.',
      advice: 'Captions resume by themselves once the backend is back; start it with `pnpm earshot serve`.',
      tone: 'error',
    };
  if (status === 'off') {
    if (backendReachable === false)
      return {
        text: 'The backend is not running, so captions cannot start.',
        advice: 'Start it with `pnpm earshot serve`, or set its address on the settings page.',
        tone: 'error',
      };
    return { text: 'Captions are off on this tab.', tone: 'idle' };
  }
  if (status === 'starting') return { text: 'Starting captions…', tone: 'idle' };
  const delay =
    stats?.latencySeconds === undefined
      ? 'Caption delay: not measured yet.'
      : `Caption delay: ${stats.latencySeconds.toFixed(1)} s.`;
  if (backpressure !== 'normal')
    return {
      text: `The backend is overloaded: ${BACKPRESSURE_WORDS[backpressure]}. ${delay}`,
      advice: ADVICE_WHEN_BEHIND,
      tone: 'warn',
    };
  if (stats?.behind && stats.lagSeconds >= FALLING_BEHIND_SECONDS)
    return {
      text: `The backend is falling behind: ${stats.lagSeconds.toFixed(1)} s of this tab's audio is waiting, so captions come late and some are skipped. ${delay}`,
      advice: ADVICE_WHEN_BEHIND,
      tone: 'warn',
    };
  return { text: `Captions are live. ${delay}`, tone: 'ok' };
}
