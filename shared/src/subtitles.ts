/** SubRip (.srt) and WebVTT (.vtt) rendering of timed captions, shared by the CLI and the extension. */

export interface TimedCaption {
  start_seconds: number;
  end_seconds: number;
  text: string;
}

function splitMilliseconds(seconds: number): [number, number, number, number] {
  // Round once, in whole milliseconds, so 59.9996 s becomes 00:01:00.000 rather than 00:00:59.1000.
  const total = Math.max(0, Math.round((Number.isFinite(seconds) ? seconds : 0) * 1000));
  const ms = total % 1000;
  const s = Math.floor(total / 1000) % 60;
  const m = Math.floor(total / 60_000) % 60;
  const h = Math.floor(total / 3_600_000);
  return [h, m, s, ms];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** `HH:MM:SS,mmm` (SubRip). Hours grow past two digits rather than wrapping. */
export function formatSrtTimestamp(seconds: number): string {
  const [h, m, s, ms] = splitMilliseconds(seconds);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)},${pad(ms, 3)}`;
}

/** `HH:MM:SS.mmm` (WebVTT). */
export function formatVttTimestamp(seconds: number): string {
  const [h, m, s, ms] = splitMilliseconds(seconds);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}

/** A blank line ends a cue in both formats, so a caption's text must not contain one. */
function singleParagraph(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

function cues(captions: readonly TimedCaption[]): { start: number; end: number; text: string }[] {
  return captions
    .map((c) => {
      const start = Math.max(0, c.start_seconds);
      return { start, end: Math.max(start, c.end_seconds), text: singleParagraph(c.text) };
    })
    .filter((c) => c.text.length > 0);
}

export function toSrt(captions: readonly TimedCaption[]): string {
  return cues(captions)
    .map((c, i) => `${i + 1}\n${formatSrtTimestamp(c.start)} --> ${formatSrtTimestamp(c.end)}\n${c.text}\n`)
    .join('\n');
}

function escapeVttText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function toWebVtt(captions: readonly TimedCaption[]): string {
  const body = cues(captions)
    .map((c) => `${formatVttTimestamp(c.start)} --> ${formatVttTimestamp(c.end)}\n${escapeVttText(c.text)}\n`)
    .join('\n');
  return body.length > 0 ? `WEBVTT\n\n${body}` : 'WEBVTT\n';
}
