import type { WordFilterSettings } from '@earshot/shared';

/** One line saying what the filter does to this tab's sound. */
export function describeFilterMode(settings: WordFilterSettings, enabledHere: boolean): string {
  if (!settings.enabled) return 'The word filter is off.';
  if (!enabledHere) return 'The word filter is off on this site.';
  switch (settings.audioMode) {
    case 'off':
      return 'Blocked words are masked in captions; the sound is left alone.';
    case 'instant':
      return 'Blocked words are masked and silenced as soon as they are recognised.';
    case 'protect':
      return `Protect mode: the sound plays ${settings.protectDelaySeconds} s late so blocked words are ${settings.protectSound === 'bleep' ? 'bleeped' : 'silenced'} before you hear them.`;
  }
}

/**
 * Whether the recognizer is fast enough for protect mode: a word must be reported, and its
 * silence scheduled, before the delayed sound reaches its start less the pad. The latency is
 * measured from words' starts and is the one 95 % of words beat.
 */
export function describeLatencyFit(settings: WordFilterSettings, latencySeconds: number | undefined): string {
  if (latencySeconds === undefined) return 'Recognition latency: not measured yet.';
  const latency = latencySeconds.toFixed(1);
  const budget = settings.protectDelaySeconds - settings.padSeconds;
  return latencySeconds <= budget
    ? `Recognition latency ${latency} s fits in the ${settings.protectDelaySeconds} s delay.`
    : `Recognition latency ${latency} s does not fit in the ${settings.protectDelaySeconds} s delay: some words will be heard. Raise the delay in the settings.`;
}
