import { describe, expect, it } from 'vitest';
import { SttConnection } from '../../../src/server/doors/realtime-stt/connection';
import type { SttMessage } from '../../../src/server/doors/realtime-stt/messages';

/** A connection before any stream: what it tells the client about the server's load. */
function connection(sent: SttMessage[]) {
  return new SttConnection({
    conn: 'conn_test',
    holdModel: () => {
      throw new Error('no stream is started in these tests');
    },
    checkLanguage: () => 'en',
    observer: {},
    send: (message) => sent.push(message),
    audioTranscribed: () => {},
    bufferSeconds: 60,
    maxLagSeconds: 2,
    maxPendingFinalSeconds: 6,
    maxFinalBacklogSeconds: 2,
    backpressure: 'normal',
  });
}

describe('the /ws status message', () => {
  it('is sent when the backpressure level changes, with the interim cooldown it implies', () => {
    const sent: SttMessage[] = [];
    const stt = connection(sent);
    stt.backpressure('normal');
    expect(sent).toEqual([]);
    stt.backpressure('high');
    stt.backpressure('high');
    stt.backpressure('critical');
    stt.backpressure('normal');
    expect(sent).toEqual([
      { type: 'status', backpressure: 'high', cooldown_ms: 440, tail_s: 7, interim_paused: false },
      { type: 'status', backpressure: 'critical', cooldown_ms: 220, tail_s: 7, interim_paused: true },
      { type: 'status', backpressure: 'normal', cooldown_ms: 220, tail_s: 7, interim_paused: false },
    ]);
  });

  it('follows the interim rate the client sets', () => {
    const sent: SttMessage[] = [];
    const stt = connection(sent);
    stt.control({ event: 'set', interimRate: 4 });
    stt.backpressure('high');
    expect(sent.map((m) => m.type === 'status' && m.cooldown_ms)).toEqual([250, 500]);
  });
});
