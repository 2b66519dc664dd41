import { describe, expect, it } from 'vitest';
import { LocalAgreement } from '../../src/streaming/local-agreement';
import type { TimedWord } from '../../src/streaming/timed-word';

const w = (word: string, start: number, end: number, confidence = 0.9): TimedWord => ({
  word,
  start,
  end,
  confidence,
});
const texts = (words: readonly TimedWord[]) => words.map((x) => x.word);

describe('LocalAgreement', () => {
  it('commits a word only once two consecutive hypotheses agree on it', () => {
    const policy = new LocalAgreement();
    const first = policy.update([w('the', 0.2, 0.4), w('cat', 0.5, 0.8)], 2);
    expect(first.committed).toEqual([]);
    expect(texts(first.interim)).toEqual(['the', 'cat']);

    const second = policy.update([w('the', 0.22, 0.41), w('cat', 0.5, 0.8), w('sat', 1.7, 2.0)], 3);
    expect(texts(second.committed)).toEqual(['the', 'cat']);
    expect(texts(second.interim)).toEqual(['sat']);
    expect(policy.windowStart).toBeCloseTo(0.8);
  });

  it('does not commit words the hypotheses disagree on, nor anything after them', () => {
    const policy = new LocalAgreement();
    policy.update([w('the', 0.2, 0.4), w('hat', 0.5, 0.8), w('sat', 0.9, 1.1)], 3);
    const step = policy.update([w('the', 0.2, 0.4), w('cat', 0.5, 0.8), w('sat', 0.9, 1.1)], 4);
    expect(texts(step.committed)).toEqual(['the']);
    expect(texts(step.interim)).toEqual(['cat', 'sat']);
  });

  it('treats the same word at a clearly different time as a different word', () => {
    const policy = new LocalAgreement();
    policy.update([w('go', 0.2, 0.4)], 3);
    const step = policy.update([w('go', 1.5, 1.7)], 4);
    expect(step.committed).toEqual([]);
  });

  it('ignores case and punctuation when comparing hypotheses', () => {
    const policy = new LocalAgreement();
    policy.update([w('Hello,', 0.2, 0.6)], 3);
    expect(texts(policy.update([w('hello', 0.25, 0.6)], 4).committed)).toEqual(['hello']);
  });

  it('keeps agreed words that end too close to the end of the audio interim', () => {
    const policy = new LocalAgreement();
    policy.update([w('red', 0.1, 0.5), w('ball', 1.6, 1.9)], 2);
    const step = policy.update([w('red', 0.1, 0.5), w('ball', 1.6, 1.9)], 2.2);
    expect(texts(step.committed)).toEqual(['red']);
    expect(texts(step.interim)).toEqual(['ball']);
  });

  it('gives up audio it cannot keep up with, keeping what the last hypothesis said before the cut', () => {
    const policy = new LocalAgreement();
    policy.update([w('one', 0.1, 0.4), w('two', 0.6, 0.9), w('three', 1.0, 1.4), w('four', 2.0, 2.3)], 2.5);
    const step = policy.skipTo(1.2);
    expect(texts(step.committed)).toEqual(['one', 'two']);
    expect(texts(step.interim)).toEqual(['four']);
    expect(policy.windowStart).toBe(1.2);
    // Words the next hypothesis places before the cut were given up, not heard again.
    const next = policy.update([w('three', 1.0, 1.4), w('four', 2.0, 2.3), w('five', 2.6, 2.9)], 4);
    expect(texts([...next.committed, ...next.interim])).toEqual(['four', 'five']);
    expect(policy.skipTo(1).committed).toEqual([]);
  });

  it('commits everything left when the recording ends', () => {
    const policy = new LocalAgreement();
    policy.update([w('one', 0.1, 0.4), w('two', 0.6, 0.9)], 1);
    const step = policy.finish([w('one', 0.1, 0.4), w('two', 0.6, 0.9), w('three', 1.0, 1.2)]);
    expect(texts(step.committed)).toEqual(['one', 'two', 'three']);
    expect(step.interim).toEqual([]);
  });

  it('forces a commit when the window grows past its cap without agreement', () => {
    const policy = new LocalAgreement({
      commitMarginSeconds: 0.5,
      startToleranceSeconds: 0.4,
      maxWindowSeconds: 5,
      silenceTailSeconds: 1,
    });
    policy.update([w('a', 0.1, 0.3), w('b', 4.0, 4.3)], 4.5);
    // The model keeps changing its mind, so nothing agrees, but the window is now longer than 5 s.
    const step = policy.update([w('x', 0.1, 0.3), w('y', 4.0, 4.3), w('z', 5.0, 5.4)], 5.5);
    expect(texts(step.committed)).toEqual(['x', 'y']);
    expect(texts(step.interim)).toEqual(['z']);
    expect(policy.windowStart).toBeCloseTo(4.3);
  });

  it('drops silence from the window but keeps the tail where a word may be starting', () => {
    const policy = new LocalAgreement();
    expect(policy.update([], 4)).toEqual({ committed: [], interim: [] });
    expect(policy.windowStart).toBeCloseTo(3);
  });

  it('never lets the window start move backwards', () => {
    const policy = new LocalAgreement();
    policy.update([w('up', 1.0, 1.3)], 3);
    policy.update([w('up', 1.0, 1.3)], 4);
    expect(policy.windowStart).toBeCloseTo(1.3);
    policy.update([], 1.5);
    expect(policy.windowStart).toBeCloseTo(1.3);
  });

  it('forgets interim words from audio that was dropped', () => {
    const policy = new LocalAgreement();
    policy.update([w('lost', 0.5, 0.8), w('kept', 2.5, 2.8)], 4);
    policy.advanceTo(2);
    expect(policy.windowStart).toBe(2);
    const step = policy.update([w('kept', 2.5, 2.8)], 5);
    expect(texts(step.committed)).toEqual(['kept']);
  });
  it('makes the words before a pause final at once, without waiting for a second hypothesis', () => {
    const policy = new LocalAgreement();
    const hypothesis = [w('stop', 0.2, 0.6), w('here', 0.7, 1.0), w('then', 1.9, 2.2), w('go', 2.3, 2.5)];
    const step = policy.update(hypothesis, 3, [{ start: 1.05, end: 1.8 }]);
    expect(texts(step.committed)).toEqual(['stop', 'here']);
    expect(texts(step.interim)).toEqual(['then', 'go']);
    expect(policy.windowStart).toBeCloseTo(1.0);
  });

  it('commits words before a pause that is still going on at the end of the window', () => {
    const policy = new LocalAgreement();
    // The speaker stopped at 1.1 s; 0.3 s of silence so far, less than the commit margin.
    const step = policy.update([w('yes', 0.5, 0.8), w('please', 0.85, 1.1)], 1.4, [{ start: 1.1, end: 1.4 }]);
    expect(texts(step.committed)).toEqual(['yes', 'please']);
    expect(step.interim).toEqual([]);
  });

  const capped = () =>
    new LocalAgreement({
      commitMarginSeconds: 0.5,
      startToleranceSeconds: 0.4,
      maxWindowSeconds: 5,
      silenceTailSeconds: 1,
    });

  it('cuts an over-long window at its last pause rather than at its last word', () => {
    const policy = capped();
    const hypothesis = [
      w('a', 0.5, 1.0),
      w('b', 1.2, 1.6),
      w('c', 2.5, 3.0),
      w('d', 3.2, 4.0),
      w('e', 4.2, 4.6),
    ];
    const step = policy.update(hypothesis, 5.5, [{ start: 1.7, end: 2.4 }]);
    expect(texts(step.committed)).toEqual(['a', 'b']);
    expect(texts(step.interim)).toEqual(['c', 'd', 'e']);
  });

  it('never cuts an over-long window through a word, even when no word can be committed', () => {
    const policy = capped();
    // Six seconds of audio in which the model heard a single word, still running at the window end.
    const step = policy.update([w('looong', 5.3, 6.1)], 6.2);
    expect(step.committed).toEqual([]);
    expect(texts(step.interim)).toEqual(['looong']);
    expect(policy.windowStart).toBeGreaterThan(4);
    expect(policy.windowStart).toBeLessThan(5.3);
  });

  it('reports the open words unchanged when nothing new was recognized', () => {
    const policy = new LocalAgreement();
    policy.update([w('maybe', 0.2, 0.6)], 2);
    expect(policy.current()).toEqual({ committed: [], interim: [w('maybe', 0.2, 0.6)] });
  });
});
