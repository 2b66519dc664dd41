import { z } from 'zod';
import type { FileTranscript } from '../../../files/file-transcription';
import { segmentWords } from '../../../transcript/segments';

const DetailSchema = z.object({ detail: z.unknown() });
/** Failures answer as FastAPI does: `{"detail": …}`. */
export const NVIDIA_ERRORS = { '4xx': DetailSchema, '5xx': DetailSchema } as const;
export const NVIDIA_TAGS = ['NVIDIA ASR server'];

export const TranscriptionResultSchema = z.object({
  text: z.string(),
  segments: z.array(z.object({ start: z.number(), end: z.number(), text: z.string() })),
  filename: z.string(),
  timestamp: z.string().describe('when the transcript was made, ISO 8601 in UTC'),
});
export type TranscriptionResult = z.infer<typeof TranscriptionResultSchema>;

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/** A time as the NVIDIA server's clients parse it (Python's fromisoformat): seconds, UTC offset. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** The NVIDIA server's transcript: the text and its segments (the same as /v1's verbose_json ones). */
export function transcriptionResult(
  { recognition }: FileTranscript,
  filename: string,
  includeTimestamps: boolean,
  madeAt: number,
): TranscriptionResult {
  return {
    text: recognition.text,
    segments: includeTimestamps
      ? segmentWords(recognition.words).map((s) => ({
          start: round(s.start),
          end: round(s.end),
          text: s.text,
        }))
      : [],
    filename,
    timestamp: isoTime(madeAt),
  };
}
