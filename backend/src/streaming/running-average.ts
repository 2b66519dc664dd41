/** An exponentially weighted average of a measured rate: recent measurements count most. */
export class RunningAverage {
  private current: number | null = null;

  /** `weight` is the share of the newest measurement in the average. */
  constructor(private readonly weight: number) {}

  /** The average so far; null before the first measurement. */
  get value(): number | null {
    return this.current;
  }

  add(measurement: number): void {
    this.current =
      this.current === null ? measurement : this.current + this.weight * (measurement - this.current);
  }
}
