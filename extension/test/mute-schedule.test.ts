import { describe, expect, it } from 'vitest';
import { MUTE_RAMP_SECONDS, MuteSchedule } from '../lib/offscreen/mute-schedule';

const R = MUTE_RAMP_SECONDS;

describe('MuteSchedule', () => {
  it('fades out into each span and back in after it', () => {
    const schedule = new MuteSchedule();
    expect(schedule.add({ start: 2, end: 2.5 }, 1)).toBe(true);
    expect(schedule.automation(1, 1, 0)).toEqual([
      { at: 1, value: 1, kind: 'set' },
      { at: 2 - R, value: 1, kind: 'set' },
      { at: 2, value: 0, kind: 'ramp' },
      { at: 2.5, value: 0, kind: 'set' },
      { at: 2.5 + R, value: 1, kind: 'ramp' },
    ]);
  });

  it('silences at once when the word is already playing', () => {
    const schedule = new MuteSchedule();
    schedule.add({ start: 0.8, end: 1.4 }, 1);
    expect(schedule.automation(1, 1, 0)).toEqual([
      { at: 1, value: 0, kind: 'set' },
      { at: 1.4, value: 0, kind: 'set' },
      { at: 1.4 + R, value: 1, kind: 'ramp' },
    ]);
  });

  it('ignores spans already over or already covered, and merges overlapping ones', () => {
    const schedule = new MuteSchedule();
    expect(schedule.add({ start: 0.2, end: 0.9 }, 1)).toBe(false);
    schedule.add({ start: 2, end: 3 }, 1);
    expect(schedule.add({ start: 2.2, end: 2.8 }, 1)).toBe(false);
    schedule.add({ start: 2.9, end: 3.5 }, 1);
    schedule.add({ start: 3.505, end: 4 }, 1);
    schedule.add({ start: 6, end: 6.5 }, 1);
    expect(schedule.upcoming(1)).toEqual([
      { start: 2, end: 4 },
      { start: 6, end: 6.5 },
    ]);
    expect(schedule.upcoming(5)).toEqual([{ start: 6, end: 6.5 }]);
  });

  it('drives a bleep the other way round', () => {
    const schedule = new MuteSchedule();
    schedule.add({ start: 2, end: 2.5 }, 1);
    expect(schedule.automation(1, 0, 0.2).map((s) => s.value)).toEqual([0, 0, 0.2, 0.2, 0]);
  });

  it('withdraws the spans that had not started by a time, and keeps one already under way', () => {
    const schedule = new MuteSchedule();
    schedule.add({ start: 2, end: 2.5 }, 1);
    schedule.add({ start: 4, end: 4.5 }, 1);
    schedule.add({ start: 6, end: 6.5 }, 1);
    expect(schedule.withdrawFrom(4.2)).toBe(true);
    expect(schedule.upcoming(1)).toEqual([
      { start: 2, end: 2.5 },
      { start: 4, end: 4.5 },
    ]);
    expect(schedule.withdrawFrom(5)).toBe(false);
  });

  it('unites schedules into one that silences wherever any of them does', () => {
    const heard = new MuteSchedule();
    const ahead = new MuteSchedule();
    heard.add({ start: 2, end: 3 }, 1);
    ahead.add({ start: 2.8, end: 3.4 }, 1);
    ahead.add({ start: 5, end: 5.5 }, 1);
    expect(MuteSchedule.union([heard, ahead], 1).upcoming(1)).toEqual([
      { start: 2, end: 3.4 },
      { start: 5, end: 5.5 },
    ]);
    expect(heard.upcoming(1)).toEqual([{ start: 2, end: 3 }]);
  });
});
