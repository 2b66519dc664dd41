import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { speakPcm16 } from '../engine/speech-audio';

/** A server event of OpenAI's Realtime protocol, as far as the tests read it. */
export interface ServerEventLike {
  type: string;
  item_id?: string;
  delta?: string;
  transcript?: string;
  error?: { code?: string | null; message: string };
}

export function silencePcm16(seconds: number, rate: number): Buffer {
  return Buffer.alloc(Math.round(seconds * rate) * 2);
}

/** Cuts PCM16 into pieces of `ms` of audio each. */
export function pieces(pcm: Buffer, rate: number, ms: number): Buffer[] {
  const size = Math.round((rate * ms) / 1000) * 2;
  const out: Buffer[] = [];
  for (let at = 0; at < pcm.length; at += size) out.push(pcm.subarray(at, at + size));
  return out;
}

export async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Configures 24 kHz audio with no server VAD, appends `text` spoken (and half a second of silence),
 * commits it and waits for its transcript; the turn's audio and the transcript.
 */
export async function commitSpokenTurn(
  rt: { send(event: never): void },
  events: ServerEventLike[],
  text: string,
): Promise<{ turn: Buffer; transcript: string }> {
  const rate = 24_000;
  const send = (event: object) => rt.send(event as never);
  send({
    type: 'session.update',
    session: {
      type: 'transcription',
      audio: { input: { format: { type: 'audio/pcm', rate }, turn_detection: null } },
    },
  });
  const turn = Buffer.concat([speakPcm16(text, rate), silencePcm16(0.5, rate)]);
  for (const piece of pieces(turn, rate, 200)) {
    send({ type: 'input_audio_buffer.append', audio: piece.toString('base64') });
  }
  send({ type: 'input_audio_buffer.commit' });
  const done = () => events.find((e) => e.type === 'conversation.item.input_audio_transcription.completed');
  await until(() => done() !== undefined, 'the completed transcript');
  return { turn, transcript: done()?.transcript ?? '' };
}

/** How a server answered a WebSocket's upgrade: 101 and its headers, or the refusal's status and body. */
export interface UpgradeAnswer {
  status: number;
  headers: IncomingMessage['headers'];
  body?: unknown;
}

export async function upgradeAnswer(socket: WebSocket): Promise<UpgradeAnswer> {
  socket.on('error', () => {});
  const upgraded = once(socket, 'upgrade');
  return Promise.race([
    once(socket, 'open').then(async () => {
      const [response] = (await upgraded) as IncomingMessage[];
      return { status: 101, headers: (response as IncomingMessage).headers };
    }),
    once(socket, 'unexpected-response').then(async ([, response]: IncomingMessage[]) => {
      const refusal = response as IncomingMessage;
      let text = '';
      for await (const chunk of refusal) text += chunk;
      return { status: refusal.statusCode ?? 0, headers: refusal.headers, body: JSON.parse(text) as unknown };
    }),
  ]);
}

/** A plain WebSocket on /v1/realtime for transcription, as OpenAI's clients open it, and its events. */
export interface RealtimeSocket {
  socket: WebSocket;
  events: ServerEventLike[];
  /** Sends one client event. */
  send(event: never): void;
  opened: Promise<UpgradeAnswer>;
}

export function realtimeSocket(baseUrl: string, headers: Record<string, string> = {}): RealtimeSocket {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/realtime?intent=transcription`, {
    headers,
  });
  const events: ServerEventLike[] = [];
  socket.on('message', (data) => events.push(JSON.parse(String(data)) as ServerEventLike));
  return {
    socket,
    events,
    send: (event) => socket.send(JSON.stringify(event)),
    opened: upgradeAnswer(socket),
  };
}
