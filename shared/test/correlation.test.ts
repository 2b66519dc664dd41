import { describe, expect, it } from 'vitest';
import { pearson } from '../src/correlation';

describe('pearson', () => {
  it('is 1 for series that rise together, -1 for opposite ones, and undefined for a constant one', () => {
    expect(pearson([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1);
    expect(pearson([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1);
    expect(pearson([1, 2, 1, 2], [1, 1, 2, 2])).toBeCloseTo(0);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeUndefined();
    expect(pearson([], [])).toBeUndefined();
  });
});
