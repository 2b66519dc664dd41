import { InvalidArgumentError } from 'commander';

/** A command-line option's whole number of at least `min`. */
export const wholeNumber =
  (min: number) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`expected a whole number of at least ${min}`);
    return n;
  };

/** A command-line option's comma-separated list of positive whole numbers. */
export const positiveWholeNumbers = (value: string): number[] => value.split(',').map(wholeNumber(1));
