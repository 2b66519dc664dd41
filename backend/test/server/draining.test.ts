import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type DoorServer, startDoorServer } from './doors/door-server';
import { MAX_STREAMING_WER, wordErrorRate } from './helpers';
import { commitSpokenTurn, realtimeSocket, until, upgradeAnswer } from './realtime-turn';

// A worker that drains (what SIGTERM starts in cluster mode), on a real listener: WebSockets of every
// door are refused before their upgrade, those already open go on and hold the drain until they end.

const TURN = 'the dog ran to the park to play with a red ball';

let server: DoorServer;

beforeAll(async () => {
  server = await startDoorServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

describe('a draining server', () => {
  it('refuses new WebSockets with 503 not_ready, while the open ones get their transcripts and hold the drain', async () => {
    const realtime = realtimeSocket(server.url);
    expect((await realtime.opened).status).toBe(101);
    const stt = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`);
    await once(stt, 'open');

    let drained = false;
    const draining = server.app.draining.drain(60_000).then(() => {
      drained = true;
    });
    const ready = await fetch(`${server.url}/ready`);
    expect(ready.status).toBe(503);

    // Both WebSocket doors refuse a new socket before upgrading it, with the error body of every refusal.
    const refusals = await Promise.all([
      realtimeSocket(server.url).opened,
      upgradeAnswer(new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`)),
    ]);
    for (const refusal of refusals) {
      expect(refusal.status).toBe(503);
      expect(refusal.body).toMatchObject({
        error: { code: 'not_ready', message: expect.stringMatching(/stopping/) },
      });
    }

    // The socket opened before the drain still transcribes.
    const { transcript } = await commitSpokenTurn(realtime, realtime.events, TURN);
    expect(wordErrorRate(TURN, transcript)).toBeLessThanOrEqual(MAX_STREAMING_WER);
    expect(realtime.events.filter((e) => e.type === 'error')).toEqual([]);

    // The drain waits for the open sockets, and ends once they did.
    expect(drained).toBe(false);
    realtime.socket.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(drained).toBe(false);
    stt.close();
    await until(() => drained, 'the drain to end', 5000);
    await draining;
  }, 60_000);
});
