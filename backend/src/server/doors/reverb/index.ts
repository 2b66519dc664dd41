import { cleanWords } from '@earshot/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RecognizedWord } from '../../../engine/types';
import { storeAudioBytes } from '../../audio-upload';
import { HttpError } from '../../http-error';
import { answerLikeFastApi } from '../../plugins/error-replies';

const EnsembleRequestSchema = z.object({
  audio_base64: z.string().describe('the audio file (WAV, or anything ffmpeg reads), base64-encoded'),
});

const ReverbWordSchema = z.object({
  word: z.string(),
  start_time: z.number(),
  end_time: z.number(),
  confidence: z.number(),
});

const TranscriptSchema = (verbatimicity: number) =>
  z.object({
    words: z.array(ReverbWordSchema),
    transcript: z.string(),
    verbatimicity: z.literal(verbatimicity),
  });

const EnsembleResponseSchema = z.object({
  verbatim: TranscriptSchema(1),
  clean: TranscriptSchema(0),
});

const FastApiDetailSchema = z.object({ detail: z.unknown() });

/** Base64 as Python's b64decode takes it: whitespace (line wraps) ignored, padding required. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reverb's request is JSON carrying the whole recording; past this it is better sent to
 * /v1/audio/transcriptions as a file (streamed to disk, never held in memory).
 */
const MAX_ENSEMBLE_BODY_BYTES = 64 * 1024 * 1024;

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

/**
 * The Reverb ASR service's `POST /ensemble`: one decode of the recording through the file path, given
 * back verbatim (every word heard, verbatimicity 1.0) and clean (Earshot's clean reading: fillers and
 * words said twice in a row left out, verbatimicity 0.0), as Reverb's word lists.
 */
const reverbDoor: FastifyPluginAsyncZod = async (app) => {
  answerLikeFastApi(app);
  const bodyLimit = Math.min(
    MAX_ENSEMBLE_BODY_BYTES,
    Math.ceil((app.files.options.maxUploadBytes * 4) / 3) + 1024,
  );

  app.post(
    '/ensemble',
    {
      bodyLimit,
      schema: {
        summary: 'Reverb: verbatim and clean transcripts of one recording',
        tags: ['Reverb'],
        body: EnsembleRequestSchema,
        response: { 200: EnsembleResponseSchema, '4xx': FastApiDetailSchema, '5xx': FastApiDetailSchema },
      },
    },
    async (request, reply) => {
      const bytes = decodeBase64(request.body.audio_base64);
      const stored = await storeAudioBytes(bytes, 'audio_base64');
      const audio = await app.files.accept(request, stored, { task: 'transcribe' });
      const { recognition } = await app.files.transcribe(request, reply, audio);
      return {
        verbatim: reverbTranscript(recognition.words, 1 as const),
        clean: reverbTranscript(
          cleanWords(recognition.words, (w) => w.word),
          0 as const,
        ),
      };
    },
  );
};

function decodeBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) {
    throw new HttpError(
      400,
      'bad_request',
      'Invalid base64: audio_base64 must be standard base64 (A-Z, a-z, 0-9, +, /) with its = padding',
    );
  }
  const bytes = Buffer.from(compact, 'base64');
  if (bytes.length === 0) throw new HttpError(400, 'empty_file', 'Invalid audio: audio_base64 is empty');
  return bytes;
}

function reverbTranscript<V extends 0 | 1>(words: readonly RecognizedWord[], verbatimicity: V) {
  const kept = words.filter((w) => w.word.trim() !== '');
  return {
    words: kept.map((w) => ({
      word: w.word.trim(),
      start_time: round(w.start),
      end_time: round(w.end),
      confidence: round(w.confidence),
    })),
    transcript: kept.map((w) => w.word.trim()).join(' '),
    verbatimicity,
  };
}

export default reverbDoor;
