import { toSrt, toWebVtt } from '@earshot/shared';
import type { DecodedWindow, LongRecognition } from '../engine/long-audio';
import type { RecognitionResult, RecognizedToken, WordTiming } from '../engine/types';
import { compressionRatio } from '../engine/whisper/guards';
import { toCaptions } from '../transcript/captions';
import { toCtm } from '../transcript/ctm';
import { segmentWords, type TranscriptSegment } from '../transcript/segments';
import type { FileTranscript } from './file-transcription';

export const RESPONSE_FORMATS = ['json', 'text', 'srt', 'vtt', 'verbose_json', 'ctm'] as const;
export type ResponseFormat = (typeof RESPONSE_FORMATS)[number];
export type TimestampGranularity = 'word' | 'segment';

export interface RenderOptions {
  task: 'transcribe' | 'translate';
  /** The language to report when the engine does not say (Parakeet). */
  language: string;
  /** The language the text is written in, when that is a translation. */
  targetLanguage?: string;
  /** How the model's word times are obtained: verbose_json says so in `word_times`. */
  wordTiming?: WordTiming;
  /** verbose_json only: which of segments[] and words[] to include (OpenAI's default: segments). */
  granularities: readonly TimestampGranularity[];
  /** The uploaded file's name, which names the recording in CTM. */
  filename: string;
}

/** The scores a Whisper window carries beyond the recognizer seam. */
interface WhisperScores {
  language: string;
  avgLogProb: number;
  compressionRatio: number;
  noSpeechProb: number;
  temperature: number;
}

function whisperScores(result: RecognitionResult): WhisperScores | null {
  return 'avgLogProb' in result ? (result as RecognitionResult & WhisperScores) : null;
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

export interface Rendered {
  contentType: string;
  body: string;
}

/** A file transcript as OpenAI's /v1/audio/transcriptions answers it in `format`. */
export function renderTranscript(
  transcript: FileTranscript,
  format: ResponseFormat,
  options: RenderOptions,
): Rendered {
  const { recognition, durationSeconds } = transcript;
  const text = recognition.text;
  const segments = segmentWords(recognition.words);
  switch (format) {
    case 'json':
      return json({ text, usage: { type: 'duration', seconds: Math.ceil(durationSeconds) } });
    case 'text':
      return { contentType: 'text/plain; charset=utf-8', body: `${text}\n` };
    case 'srt':
      return { contentType: 'text/plain; charset=utf-8', body: toSrt(toCaptions(segments)) };
    case 'vtt':
      return { contentType: 'text/vtt; charset=utf-8', body: toWebVtt(toCaptions(segments)) };
    case 'ctm':
      return { contentType: 'text/plain; charset=utf-8', body: toCtm(recognition.words, options.filename) };
    case 'verbose_json': {
      const language =
        recognition.windows.map((w) => (w.result as { language?: string }).language).find(Boolean) ??
        options.language;
      return json({
        task: options.task,
        language,
        ...(options.targetLanguage ? { target_language: options.targetLanguage } : {}),
        // Not OpenAI's: whether the words' times were measured by the model or spread over segments.
        word_times: options.wordTiming ?? 'measured',
        duration: round(durationSeconds),
        text,
        ...(options.granularities.includes('segment') || options.granularities.length === 0
          ? { segments: segments.map((s, id) => verboseSegment(s, id, recognition)) }
          : {}),
        ...(options.granularities.includes('word')
          ? {
              words: recognition.words.map((w) => ({
                word: w.word,
                start: round(w.start),
                end: round(w.end),
              })),
            }
          : {}),
        usage: { type: 'duration', seconds: Math.ceil(durationSeconds) },
      });
    }
  }
}

function json(value: unknown): Rendered {
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

/**
 * One segment in OpenAI's shape. Whisper windows give their own log-probability, compression ratio,
 * no-speech probability and temperature; for Parakeet the log-probability is the mean of its tokens'
 * (greedy decoding: temperature 0), the compression ratio is the text's, and there is no no-speech
 * estimate (0: silence never reaches it, VAD cuts it out).
 */
function verboseSegment(segment: TranscriptSegment, id: number, recognition: LongRecognition) {
  const window = windowAt(recognition.windows, segment.start);
  const scores = window ? whisperScores(window.result) : null;
  const tokens = tokensWithin(recognition.tokens, segment);
  const meanLogProb =
    tokens.length === 0
      ? 0
      : tokens.reduce((sum, t) => sum + Math.log(Math.max(t.confidence, 1e-10)), 0) / tokens.length;
  return {
    id,
    seek: Math.round((window?.start ?? 0) * 100),
    start: round(segment.start),
    end: round(segment.end),
    text: segment.text,
    tokens: tokens.map((t) => t.id),
    temperature: scores?.temperature ?? 0,
    avg_logprob: round(scores?.avgLogProb ?? meanLogProb, 4),
    compression_ratio: round(scores?.compressionRatio ?? compressionRatio(segment.text), 4),
    no_speech_prob: round(scores?.noSpeechProb ?? 0, 4),
  };
}

function windowAt(windows: readonly DecodedWindow[], seconds: number): DecodedWindow | undefined {
  return windows.findLast((w) => w.start <= seconds) ?? windows[0];
}

function tokensWithin(tokens: readonly RecognizedToken[], segment: TranscriptSegment): RecognizedToken[] {
  return tokens.filter((t) => t.start >= segment.start - 0.05 && t.start <= segment.end);
}
