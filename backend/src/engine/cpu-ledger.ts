/**
 * CPU seconds spent so far, by part: the process's CPU time (every thread, so ONNX Runtime's own pool
 * threads count) from the start of a call until it settles. Exact when nothing else runs meanwhile
 * (`pnpm bench:live-cost` profiles one recording alone); with other work interleaved between the
 * call's awaits, that work is counted too.
 */
export class CpuLedger<Part extends string> {
  private readonly spent: Record<Part, number>;

  constructor(parts: readonly Part[]) {
    this.spent = Object.fromEntries(parts.map((p) => [p, 0])) as Record<Part, number>;
  }

  async measure<T>(part: Part, work: () => Promise<T>): Promise<T> {
    const before = process.cpuUsage();
    try {
      return await work();
    } finally {
      const used = process.cpuUsage(before);
      this.spent[part] += (used.user + used.system) / 1e6;
    }
  }

  seconds(): Readonly<Record<Part, number>> {
    return { ...this.spent };
  }
}
