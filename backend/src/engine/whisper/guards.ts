import { deflateSync } from 'node:zlib';

/**
 * Whisper's defences against its known failure on silence and noise, where it writes fluent text
 * nobody said ("Thanks for watching!") or loops on one phrase. The thresholds are OpenAI's; `null`
 * turns a check off.
 */
export interface GuardThresholds {
  /** Text that compresses better than this (zlib) is a repetition loop. */
  compressionRatioThreshold: number | null;
  /** Mean log-probability of the sampled tokens below this is a guess. */
  logProbThreshold: number | null;
  /** With a guess, a `<|nospeech|>` probability above this means the window is silent. */
  noSpeechThreshold: number | null;
  /** Tried in order until a decoding passes the checks (0 = greedy). */
  temperatures: readonly number[];
}

export const DEFAULT_GUARDS: GuardThresholds = {
  compressionRatioThreshold: 2.4,
  logProbThreshold: -1,
  noSpeechThreshold: 0.6,
  temperatures: [0, 0.2, 0.4, 0.6, 0.8, 1],
};

/** Which check dropped a window's text; `no_voice` is the voice-activity gate before decoding. */
export type GuardVerdict = 'no_voice' | 'no_speech' | 'compression_ratio' | 'log_prob';

export interface DecodingQuality {
  text: string;
  avgLogProb: number;
  noSpeechProb: number;
}

/** Length of the UTF-8 text over its zlib-compressed length (1 for empty text). */
export function compressionRatio(text: string): number {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length === 0) return 1;
  return bytes.length / deflateSync(bytes).length;
}

function isSilent(quality: DecodingQuality, guards: GuardThresholds): boolean {
  const { noSpeechThreshold, logProbThreshold } = guards;
  if (noSpeechThreshold === null || quality.noSpeechProb <= noSpeechThreshold) return false;
  return logProbThreshold === null || quality.avgLogProb < logProbThreshold;
}

/** The check a decoding fails, or null when it may be kept. Silence is judged first. */
export function failedGuard(quality: DecodingQuality, guards: GuardThresholds): GuardVerdict | null {
  if (isSilent(quality, guards)) return 'no_speech';
  const { compressionRatioThreshold, logProbThreshold } = guards;
  if (compressionRatioThreshold !== null && compressionRatio(quality.text) > compressionRatioThreshold) {
    return 'compression_ratio';
  }
  if (logProbThreshold !== null && quality.avgLogProb < logProbThreshold) return 'log_prob';
  return null;
}

/**
 * Whether to decode again at the next temperature. A silent window is not retried: sampling
 * harder on silence only finds other hallucinations.
 */
export function needsFallback(verdict: GuardVerdict | null): boolean {
  return verdict === 'compression_ratio' || verdict === 'log_prob';
}
