import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SileroVad } from '../../../src/engine';
import type { Recognizer } from '../../../src/engine/types';
import { type BuildAppOptions, buildApp } from '../../../src/server/app';
import { SpeechActivity } from '../../../src/streaming/speech-activity';
import { loadTinyEn } from '../helpers';

export interface DoorServer {
  app: FastifyInstance;
  url: string;
  recognizer: Recognizer;
  close(): Promise<void>;
}

/** tiny-en (or the recognizer given) and Silero VAD served for real on a loopback port, as `earshot serve` builds the app. */
export async function startDoorServer(options: Partial<BuildAppOptions> = {}): Promise<DoorServer> {
  const [recognizer, vad] = await Promise.all([
    options.recognizer ? Promise.resolve(options.recognizer) : loadTinyEn(),
    SileroVad.load(),
  ]);
  const app = await buildApp({
    recognizer,
    createVadStream: () => vad.createStream(),
    createSpeechActivity: () => new SpeechActivity(vad.createStream()),
    ...options,
    config: { host: '127.0.0.1', ...options.config },
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    app,
    url,
    recognizer,
    async close() {
      await app.close();
      await Promise.all([recognizer.release(), vad.release()]);
    },
  };
}

export interface V1Word {
  word: string;
  start: number;
  end: number;
}

/** The words /v1/audio/transcriptions gives for a file (verbose_json, word timestamps). */
export async function v1Words(
  url: string,
  file: string,
  headers: Record<string, string> = {},
): Promise<{ text: string; words: V1Word[] }> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(file)]), basename(file));
  form.append('model', 'whisper-1');
  form.append('response_format', 'verbose_json');
  form.append('timestamp_granularities[]', 'word');
  const response = await fetch(`${url}/v1/audio/transcriptions`, { method: 'POST', body: form, headers });
  if (response.status !== 200) throw new Error(`/v1 answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as { text: string; words: V1Word[] };
}
