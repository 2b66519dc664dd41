import type { BlockedSpan, MuteSpan } from '@earshot/shared';

/** A blocked word of a cached transcript, in media time (seconds). */
export type MediaSpan = BlockedSpan;

/** How far ahead blocked words are announced: covers messaging and a sleeping service worker. */
export const LOOKAHEAD_SECONDS = 1.5;

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
      startAtMs: atMs(span.start),
      endAtMs: atMs(span.end),
      ...(span.nextStart === undefined ? {} : { nextStartAtMs: atMs(span.nextStart) }),
    });
  }
  return due;
}
