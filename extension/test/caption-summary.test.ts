import { describe, expect, it } from 'vitest';
import { summariseCaptions } from '../lib/popup/caption-summary';

describe('summariseCaptions', () => {
  it('gives the measured delay while captions keep up', () => {
    const summary = summariseCaptions(
      { tabId: 1, status: 'live' },
      { latencySeconds: 1.24, behind: false, lagSeconds: 0.3 },
      true,
    );
    expect(summary).toEqual({ text: 'Captions are live. Caption delay: 1.2 s.', tone: 'ok' });
  });

  it('says the backend is shedding, and what to do, when its backlog grows', () => {
    const summary = summariseCaptions(
      { tabId: 1, status: 'live' },
      { latencySeconds: 4, behind: true, lagSeconds: 6.5 },
      true,
    );
    expect(summary.tone).toBe('warn');
    expect(summary.text).toMatch(/falling behind: 6\.5 s of this tab's audio is waiting/);
    expect(summary.advice).toMatch(/smaller model/);
  });

  it('says what the backend sheds when GET /status reports backpressure', () => {
    const summary = summariseCaptions(
      { tabId: 1, status: 'live' },
      { latencySeconds: 2, behind: false, lagSeconds: 0 },
      true,
      'cutting_windows',
    );
    expect(summary.tone).toBe('warn');
    expect(summary.text).toMatch(
      /overloaded: it drops audio .* some words are missed\. Caption delay: 2\.0 s\./,
    );
  });

  it('does not call a short wait falling behind', () => {
    expect(summariseCaptions({ tabId: 1, status: 'live' }, { behind: true, lagSeconds: 1 }, true).tone).toBe(
      'ok',
    );
  });

  it('tells what to do when the backend is not running or a capture failed', () => {
    expect(summariseCaptions(undefined, undefined, false)).toMatchObject({
      tone: 'error',
      advice: expect.stringMatching(/pnpm earshot serve/),
    });
    expect(
      summariseCaptions({ tabId: 1, status: 'error', reason: 'No tab with id 4.' }, undefined, true),
    ).toEqual({
      text: 'No tab with id 4.',
      advice: 'Press Start captions to try again.',
      tone: 'error',
    });
  });
});
