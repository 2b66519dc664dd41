import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Infer } from '../../src/sessions/recording-pipeline';
import { SessionError } from '../../src/sessions/session-error';
import {
  DEFAULT_SESSION_OPTIONS,
  SessionManager,
  type SessionManagerOptions,
} from '../../src/sessions/session-manager';
import { cutAtArbitraryOffsets, decodeWhole, ONE_SECOND_OF_WEBM, speechWebm } from './webm-fixture';

let webm: Buffer;
let reference: Float32Array;
let pieces: Buffer[];

beforeAll(async () => {
  ({ webm } = await speechWebm('every good boy can read a book near the river at night'));
  reference = await decodeWhole(webm);
  pieces = cutAtArbitraryOffsets(webm, ONE_SECOND_OF_WEBM, 11);
});

const heldModel = (infer: Infer) => ({ id: 'test-model', infer, languages: {}, release() {} });

let manager: SessionManager | undefined;
afterEach(() => manager?.closeAll());

/**
 * Sessions whose recognizer only records the windows it is asked about: with recognition deferred to the
 * final chunk, the one window it sees is the whole recording as the session decoded it.
 */
function sessionsRecordingWindows(overrides: Partial<SessionManagerOptions> = {}) {
  const windows: Float32Array[] = [];
  manager = new SessionManager({
    ...DEFAULT_SESSION_OPTIONS,
    everyNChunks: 10_000,
    holdModel: () =>
      heldModel(async ({ samples }) => {
        windows.push(samples);
        return { status: 'recognized', result: { text: '', tokens: [], words: [] } };
      }),
    ...overrides,
  });
  return { manager, windows };
}

const chunk = (
  seq: number,
  bytes: Buffer,
  extra: { tab?: number; recording?: string; final?: boolean } = {},
) => ({
  request: {
    user_id: 'u1',
    tab_id: extra.tab ?? 1,
    recording_id: extra.recording ?? 'r1',
    seq,
    mime_type: 'audio/webm;codecs=opus',
    final: extra.final,
  },
  bytes,
});

function expectSameAudio(actual: Float32Array | undefined, expected: Float32Array) {
  expect(actual?.length).toBe(expected.length);
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++)
    maxDiff = Math.max(maxDiff, Math.abs((actual?.[i] ?? 0) - (expected[i] ?? 0)));
  expect(maxDiff).toBeLessThan(1e-6);
}

async function refusal(promise: Promise<unknown>): Promise<SessionError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionError);
  return error as SessionError;
}

function ffmpegChildren(): number {
  const out = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'comm=', '-o', 'stat='], {
    encoding: 'utf8',
  });
  // Zombies (stat Z) have exited and only wait to be reaped.
  return out.split('\n').filter((line) => line.startsWith('ffmpeg') && !/\sZ/.test(line)).length;
}

describe('SessionManager', () => {
  it('decodes a recording sent in order into exactly the audio of the whole file', async () => {
    const { manager, windows } = sessionsRecordingWindows();
    for (const [seq, piece] of pieces.entries()) {
      await manager.receive(chunk(seq, piece, { final: seq === pieces.length - 1 }));
    }
    expect(windows).toHaveLength(1);
    expectSameAudio(windows[0], reference);
    expect(manager.count).toBe(0);
  });

  it('puts chunks that arrive out of order back in sequence', async () => {
    const { manager, windows } = sessionsRecordingWindows();
    const order = pieces.map((_p, i) => i);
    // Swap neighbours pairwise after the header chunk: 0, 2, 1, 4, 3, ...
    for (let i = 1; i + 1 < order.length - 1; i += 2)
      [order[i], order[i + 1]] = [order[i + 1] as number, order[i] as number];
    for (const seq of order) {
      await manager.receive(chunk(seq, pieces[seq] as Buffer, { final: seq === pieces.length - 1 }));
    }
    expect(windows).toHaveLength(1);
    expectSameAudio(windows[0], reference);
  });

  it('acknowledges a duplicate chunk and ignores it', async () => {
    const { manager, windows } = sessionsRecordingWindows();
    for (const [seq, piece] of pieces.entries()) {
      const final = seq === pieces.length - 1;
      await manager.receive(chunk(seq, piece, { final }));
      if (!final) expect((await manager.receive(chunk(seq, piece))).segments).toEqual([]);
    }
    expectSameAudio(windows[0], reference);
  });

  it('asks for a restart when a chunk after the first arrives for a recording it never saw', async () => {
    const { manager } = sessionsRecordingWindows();
    const error = await refusal(manager.receive(chunk(3, pieces[3] as Buffer)));
    expect(error.code).toBe('recording_restart_required');
    expect(manager.count).toBe(0);
  });

  it('asks for a restart when a missing chunk never arrives', async () => {
    const { manager } = sessionsRecordingWindows({ maxWaitingChunks: 2 });
    await manager.receive(chunk(0, pieces[0] as Buffer));
    await manager.receive(chunk(2, pieces[2] as Buffer));
    await manager.receive(chunk(3, pieces[3] as Buffer));
    const error = await refusal(manager.receive(chunk(4, pieces[4] as Buffer)));
    expect(error.code).toBe('recording_restart_required');
    expect(error.message).toMatch(/seq 1/);
    expect(manager.count).toBe(0);
  });

  it('refuses garbage audio for its own session only', async () => {
    const { manager, windows } = sessionsRecordingWindows();
    const good = (async () => {
      for (const [seq, piece] of pieces.entries()) {
        await manager.receive(chunk(seq, piece, { tab: 1, final: seq === pieces.length - 1 }));
      }
    })();
    const bad = refusal(
      (async () => {
        await manager.receive(chunk(0, randomBytes(6_000), { tab: 2 }));
        await manager.receive(chunk(1, randomBytes(6_000), { tab: 2, final: true }));
      })(),
    );
    const [error] = await Promise.all([bad, good]);
    expect(error.code).toBe('undecodable_audio');
    expect(windows).toHaveLength(1);
    expectSameAudio(windows[0], reference);
    expect(manager.count).toBe(0);
  });

  it('keeps tabs and recordings apart', async () => {
    const { manager } = sessionsRecordingWindows();
    await manager.receive(chunk(0, pieces[0] as Buffer, { tab: 1 }));
    await manager.receive(chunk(0, pieces[0] as Buffer, { tab: 2 }));
    await manager.receive(chunk(0, pieces[0] as Buffer, { tab: 2, recording: 'r2' }));
    expect(manager.count).toBe(3);
  });

  it('refuses a container it cannot decode by its mime type', async () => {
    const { manager } = sessionsRecordingWindows();
    const request = chunk(0, pieces[0] as Buffer);
    const error = await refusal(
      manager.receive({ ...request, request: { ...request.request, mime_type: 'audio/mp4' } }),
    );
    expect(error.code).toBe('unsupported_media_type');
    expect(manager.count).toBe(0);
  });

  it('refuses new recordings past its cap', async () => {
    const { manager } = sessionsRecordingWindows({ maxSessions: 2 });
    await manager.receive(chunk(0, pieces[0] as Buffer, { tab: 1 }));
    await manager.receive(chunk(0, pieces[0] as Buffer, { tab: 2 }));
    const error = await refusal(manager.receive(chunk(0, pieces[0] as Buffer, { tab: 3 })));
    expect(error.code).toBe('too_many_sessions');
    expect(manager.count).toBe(2);
  });

  it('refuses a flood of simultaneous chunks for one recording beyond what it queues', async () => {
    const { manager } = sessionsRecordingWindows();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => manager.receive(chunk(0, pieces[0] as Buffer))),
    );
    const refused = results
      .filter((r) => r.status === 'rejected')
      .map((r) => (r.reason as SessionError).code);
    expect(refused).toEqual(['session_conflict', 'session_conflict', 'session_conflict', 'session_conflict']);
    expect((await manager.receive(chunk(1, pieces[1] as Buffer))).segments).toEqual([]);
  });

  it('keeps its lag bounded while the queue drops its interims: too far behind, it asks for a final', async () => {
    const kinds: string[] = [];
    manager = new SessionManager({
      ...DEFAULT_SESSION_OPTIONS,
      maxLagSeconds: 1,
      holdModel: () =>
        heldModel(async ({ kind }) => {
          kinds.push(kind);
          if (kind === 'interim') return { status: 'dropped' };
          return { status: 'recognized', result: { text: '', tokens: [], words: [] } };
        }),
    });
    const answers = [];
    for (const [seq, piece] of pieces.entries()) {
      answers.push(await manager.receive(chunk(seq, piece, { final: seq === pieces.length - 1 })));
    }
    const midway = kinds.slice(0, -1);
    expect(midway.filter((k) => k === 'final').length).toBeGreaterThanOrEqual(2);
    expect(kinds.at(-1)).toBe('final');
    // Every dropped interim was answered as behind; lag never passes the bound by more than a chunk.
    expect(answers.filter((a) => a.behind).length).toBe(midway.filter((k) => k === 'interim').length);
    expect(Math.max(...answers.map((a) => a.lagSeconds))).toBeLessThan(1 + 1.5);
    expect(answers.at(-1)).toMatchObject({ behind: false, lagSeconds: 0 });
  });

  it('answers a chunk while its recognition is still busy, and reports its failure with the next answer', async () => {
    let calls = 0;
    let breakEngine = () => {};
    manager = new SessionManager({
      ...DEFAULT_SESSION_OPTIONS,
      holdModel: () =>
        heldModel(async () => {
          calls++;
          if (calls === 1) {
            return new Promise((_resolve, reject) => {
              breakEngine = () => reject(new Error('the engine broke'));
            });
          }
          return { status: 'recognized', result: { text: '', tokens: [], words: [] } };
        }),
    });
    let seq = 0;
    const next = () =>
      manager?.receive(chunk(seq, pieces[seq++] as Buffer)) as ReturnType<SessionManager['receive']>;
    // The first recognition starts once ffmpeg has given audio (a loaded machine may take a few chunks);
    // it never finishes on its own, yet the chunk that started it gets its answer.
    let answer = await next();
    while (calls === 0 && seq < pieces.length - 3) answer = await next();
    expect(calls).toBe(1);
    expect(answer.behind).toBe(true);
    breakEngine();
    await new Promise((resolve) => setImmediate(resolve));
    await expect(next()).rejects.toThrow('the engine broke');
    // The recording carries on: a later chunk is recognized again and answered with it.
    do answer = await next();
    while (answer.behind && seq < pieces.length - 1);
    expect(answer.behind).toBe(false);
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('closes idle sessions, after which the recording must restart', async () => {
    const { manager } = sessionsRecordingWindows({ idleTimeoutMs: 300 });
    await manager.receive(chunk(0, pieces[0] as Buffer));
    expect(manager.count).toBe(1);
    expect(ffmpegChildren()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(manager.count).toBe(0);
    expect(ffmpegChildren()).toBe(0);
    const error = await refusal(manager.receive(chunk(1, pieces[1] as Buffer)));
    expect(error.code).toBe('recording_restart_required');
  });
});
