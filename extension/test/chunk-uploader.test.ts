import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AsrStreamRequest, AUTOMATIC_LANGUAGE, type Segment } from '@earshot/shared';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChunkUploader,
  type ChunkUploaderOptions,
  type RecordedChunk,
} from '../lib/offscreen/chunk-uploader';

type Reply = { status: number; body: unknown };

/** A real HTTP endpoint that answers each POST /asr/stream with whatever the test decides. */
class ScriptedBackend {
  readonly received: AsrStreamRequest[] = [];
  /** Each request's URL and recording header, where a load balancer reads them. */
  readonly routing: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private server: Server | undefined;

  constructor(private readonly answer: (request: AsrStreamRequest) => Reply | Promise<Reply>) {}

  async listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let raw = '';
    for await (const part of req) raw += part;
    const request = JSON.parse(raw) as AsrStreamRequest;
    this.received.push(request);
    this.routing.push(`${req.url} ${req.headers['x-earshot-recording']}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const reply = await this.answer(request);
    this.inFlight -= 1;
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }
}

const segment = (text: string): Segment => ({
  id: text,
  text,
  start_seconds: 0,
  end_seconds: 1,
  confidence: 0.9,
  final: true,
  words: [],
});

function chunk(recordingId: string, seq: number, final = false): RecordedChunk {
  return {
    recordingId,
    seq,
    blob: new Blob([new Uint8Array([seq, 1, 2, 250])]),
    mimeType: 'audio/webm;codecs=opus',
    capturedAtMs: 1000 + seq,
    final,
    languages: AUTOMATIC_LANGUAGE,
  };
}

function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (condition()) resolve();
      else if (Date.now() > deadline) reject(new Error('condition not met in time'));
      else setTimeout(poll, 10);
    };
    poll();
  });
}

const events: string[] = [];
const backends: ScriptedBackend[] = [];
const uploaders: ChunkUploader[] = [];

function uploader(port: number, overrides: Partial<ChunkUploaderOptions> = {}): ChunkUploader {
  const u = new ChunkUploader({
    backendUrl: `http://127.0.0.1:${port}`,
    userId: 'user-1',
    tabId: 7,
    maxQueuedChunks: 30,
    requestTimeoutMs: 2000,
    retryDelaysMs: [20, 40, 80],
    onSegments: (id, reply) => events.push(`segments ${id} ${reply.segments.map((s) => s.text).join(',')}`),
    onBackendReachable: () => events.push('reachable'),
    onBackendUnavailable: (reason) => events.push(`unavailable ${reason}`),
    onRestartRequired: (id, reason) => events.push(`restart ${id} ${reason}`),
    onRefused: (reason) => events.push(`refused ${reason}`),
    ...overrides,
  });
  uploaders.push(u);
  return u;
}

async function backend(answer: ConstructorParameters<typeof ScriptedBackend>[0], port?: number) {
  const b = new ScriptedBackend(answer);
  backends.push(b);
  return { backend: b, port: await b.listen(port) };
}

afterEach(async () => {
  for (const u of uploaders.splice(0)) u.close();
  for (const b of backends.splice(0)) await b.close();
  events.length = 0;
});

describe('ChunkUploader', () => {
  it('posts chunks one at a time, in order, with every protocol field', async () => {
    const { backend: b, port } = await backend((req) => ({
      status: 200,
      body: { segments: req.seq === 2 ? [segment('hello')] : [] },
    }));
    const u = uploader(port);
    for (let seq = 0; seq < 3; seq++) u.push(chunk('rec-a', seq, seq === 2));
    await waitFor(() => b.received.length === 3);
    await waitFor(() => events.includes('segments rec-a hello'));
    expect(b.maxInFlight).toBe(1);
    expect(b.received.map((r) => r.seq)).toEqual([0, 1, 2]);
    expect(b.received[0]).toEqual({
      user_id: 'user-1',
      tab_id: 7,
      seq: 0,
      mime_type: 'audio/webm;codecs=opus',
      audio_b64: Buffer.from([0, 1, 2, 250]).toString('base64'),
      recording_id: 'rec-a',
      captured_at_ms: 1000,
      final: false,
    });
    expect(b.received[2]?.final).toBe(true);
    expect(b.routing).toEqual(Array(3).fill('/asr/stream?recording=rec-a rec-a'));
  });

  it('keeps chunks while the backend is down and delivers them once it comes up', async () => {
    const probe = await backend(() => ({ status: 200, body: { segments: [] } }));
    const port = probe.port;
    await probe.backend.close();
    backends.length = 0;

    const u = uploader(port);
    u.push(chunk('rec-b', 0));
    u.push(chunk('rec-b', 1));
    await waitFor(() => events.some((e) => e.startsWith('unavailable')));
    expect(events.find((e) => e.startsWith('unavailable'))).toMatch(/Cannot reach the Earshot backend/);

    const { backend: b } = await backend(() => ({ status: 200, body: { segments: [] } }), port);
    await waitFor(() => b.received.length === 2);
    expect(b.received.map((r) => r.seq)).toEqual([0, 1]);
    const lastUnavailable = events.findLastIndex((e) => e.startsWith('unavailable'));
    expect(events.slice(lastUnavailable + 1)).toContain('reachable');
  });

  it('asks for a new recording when the backend no longer knows the current one', async () => {
    const { backend: b, port } = await backend((req) =>
      req.recording_id === 'rec-old'
        ? {
            status: 409,
            body: { error: { code: 'recording_restart_required', message: 'unknown recording' } },
          }
        : { status: 200, body: { segments: [] } },
    );
    const u = uploader(port);
    u.push(chunk('rec-old', 5));
    u.push(chunk('rec-old', 6));
    await waitFor(() => events.some((e) => e.startsWith('restart')));
    expect(events).toContain('restart rec-old unknown recording');
    u.push(chunk('rec-new', 0));
    await waitFor(() => b.received.some((r) => r.recording_id === 'rec-new'));
    // seq 6 of the abandoned recording was dropped, never sent.
    expect(b.received.map((r) => `${r.recording_id}#${r.seq}`)).toEqual(['rec-old#5', 'rec-new#0']);
  });

  it('reports an overflowing backlog as a restart of the recording', async () => {
    const u = uploader(1, { maxQueuedChunks: 2, retryDelaysMs: [10_000] });
    u.push(chunk('rec-c', 0));
    u.push(chunk('rec-c', 1));
    u.push(chunk('rec-c', 2));
    expect(events).toContain('restart rec-c more than 2 chunks waiting for the backend');
  });

  it('stops on a refusal and says why', async () => {
    const { port } = await backend(() => ({
      status: 403,
      body: { error: { code: 'forbidden_origin', message: 'origin not allowed' } },
    }));
    uploader(port).push(chunk('rec-d', 0));
    await waitFor(() => events.some((e) => e.startsWith('refused')));
    expect(events).toContain('refused origin not allowed');
  });
});
