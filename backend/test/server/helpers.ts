import { once } from 'node:events';
import {
  type AsrStreamRequest,
  type AsrStreamResponse,
  AsrStreamResponseSchema,
  type Segment,
} from '@earshot/shared';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { WebSocket } from 'ws';
import { loadRecognizer } from '../../src/engine';
import type { Recognizer } from '../../src/engine/types';
import { resolveModel } from '../../src/models';
import { wordErrorRate } from '../../src/transcript/word-errors.js';

export { wordErrorRate };

/** The bundled offline model, loaded for real on the CPU. */
export async function loadTinyEn(): Promise<Recognizer> {
  const model = await resolveModel('tiny-en', { allowDownload: false });
  return loadRecognizer({
    modelDir: model.dir,
    modelId: model.id,
    device: 'cpu',
    encoderFile: model.encoderFile,
    decoderFile: model.decoderFile,
  });
}

/** The port inject tests pretend to listen on, so the default Host allowlist has something to match. */
export const INJECT_PORT = 8001;
export const OWN_HOST = `127.0.0.1:${INJECT_PORT}`;

/** POSTs one chunk to the app's /asr/stream as its own host, expects 200 and returns the parsed answer. */
export async function postChunkOk(
  app: FastifyInstance,
  request: AsrStreamRequest,
): Promise<AsrStreamResponse> {
  const response = await app.inject({
    method: 'POST',
    url: '/asr/stream',
    headers: { host: OWN_HOST },
    payload: request,
  });
  expect(response.statusCode, response.body).toBe(200);
  return AsrStreamResponseSchema.parse(response.json());
}

/** Recordings the app has open, as /health reports them. */
export async function openSessions(app: FastifyInstance): Promise<number> {
  const health = await app.inject({ method: 'GET', url: '/health', headers: { host: OWN_HOST } });
  return (health.json() as { sessions: number }).sessions;
}

export function chunkRequest(
  seq: number,
  bytes: Uint8Array,
  extra: Partial<Omit<AsrStreamRequest, 'seq' | 'audio_b64'>> = {},
): AsrStreamRequest {
  return {
    user_id: 'user-1',
    tab_id: 7,
    recording_id: 'rec-1',
    mime_type: 'audio/webm;codecs=opus',
    seq,
    audio_b64: Buffer.from(bytes).toString('base64'),
    ...extra,
  };
}

export interface StreamedTranscript {
  /** Final segments in the order they arrived. */
  finals: Segment[];
  /** Every interim segment seen, in order. */
  interims: Segment[];
  text: string;
}

/**
 * Posts a recording's chunks in order through `post` (which returns the parsed 200 body) and gathers
 * what a client would show: the final segments, checked never to change once sent.
 */
export async function streamChunks(
  post: (request: AsrStreamRequest) => Promise<AsrStreamResponse>,
  pieces: readonly Uint8Array[],
  extra: Partial<Omit<AsrStreamRequest, 'seq' | 'audio_b64'>> = {},
): Promise<StreamedTranscript> {
  const finals = new Map<string, Segment>();
  const interims: Segment[] = [];
  for (const [seq, piece] of pieces.entries()) {
    const response = await post(chunkRequest(seq, piece, { ...extra, final: seq === pieces.length - 1 }));
    for (const segment of response.segments) {
      if (!segment.final) {
        interims.push(segment);
        continue;
      }
      const earlier = finals.get(segment.id);
      if (earlier && JSON.stringify(earlier) !== JSON.stringify(segment)) {
        throw new Error(`final segment ${segment.id} changed after it was sent`);
      }
      finals.set(segment.id, segment);
    }
  }
  const ordered = [...finals.values()];
  return { finals: ordered, interims, text: ordered.map((s) => s.text).join(' ') };
}

/**
 * Word error rate of the model on the whole recording at once, without streaming. Streaming accuracy
 * can only be judged against a model that hears the speech in the first place.
 */
export async function offlineWordErrorRate(recognizer: Recognizer, samples: Float32Array, spoken: string) {
  const stream = recognizer.createStream();
  stream.acceptWaveform(samples);
  await recognizer.decode([stream]);
  return wordErrorRate(spoken, stream.result?.text ?? '');
}

/** Accuracy bound for streamed captions of clean synthetic speech. */
export const MAX_STREAMING_WER = 0.25;

export function modelDeafNote(offlineWer: number): string {
  return `the model does not recognise this speech even offline (WER ${Math.round(offlineWer * 100)} %), so streaming accuracy cannot be measured`;
}

/** The status code an upgrade was refused with. */
export async function refusedWith(socket: WebSocket): Promise<number> {
  const [request, response] = (await once(socket, 'unexpected-response')) as [
    { destroy(): void },
    { statusCode: number },
  ];
  request.destroy();
  return response.statusCode;
}
