import type { BlockedSpan, MuteSpan } from '@earshot/shared';

/** A blocked word of a cached transcript, in media time (seconds). */
export type MediaSpan = BlockedSpan;

/** How far ahead blocked words are announced: covers messaging and a sleeping service worker. */
export const LOOKAHEAD_SECONDS = 1.5;

/**
 * How much earlier than the padding alone a cached word's silence starts. Its media time went
 * through two clocks, the first pass's capture-to-media mapping and this pass's media-to-output
 * one, on top of the recognizer's own start error (p95 50 ms late, docs/performance.md): in the
 * e2e replays the padding alone began as little as 6 ms before a word, and a replay has no reason
 * to cut it that fine.
 */
export const CACHED_START_SLACK_SECONDS = 0.05;

/**
 * The cached blocked words that start within the lookahead of the playing position and were not
 * announced yet in this pass, as wall-clock spans. `announced` remembers them; the caller clears
 * it when the user seeks.
 */
export function silencesDue(
  spans: readonly MediaSpan[],
  position: { mediaTime: number; rate: number; nowMs: number },
  announced: Set<string>,
): MuteSpan[] {
  const { mediaTime, rate, nowMs } = position;
  if (rate <= 0) return [];
  const due: MuteSpan[] = [];
  for (const span of spans) {
    const key = `${span.start.toFixed(3)}-${span.end.toFixed(3)}`;
    if (announced.has(key) || span.end <= mediaTime || span.start > mediaTime + LOOKAHEAD_SECONDS) continue;
    announced.add(key);
    const atMs = (time: number) => nowMs + ((time - mediaTime) / rate) * 1000;
    due.push({
      startAtMs: atMs(span.start - CACHED_START_SLACK_SECONDS),
      endAtMs: atMs(span.end),
      ...(span.nextStart === undefined ? {} : { nextStartAtMs: atMs(span.nextStart) }),
    });
  }
  return due;
}
