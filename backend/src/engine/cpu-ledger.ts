/** A part being measured: what it has been charged so far goes to its ledger. */
interface OpenMeasure {
  charge(seconds: number): void;
}

/**
 * Every ledger's open measures, newest last, and the process CPU time already charged. One list for
 * the process: two recognizers (the pair's queues) and the speech detector run interleaved between
 * awaits, and each slice of CPU must go to one part only.
 */
const open: OpenMeasure[] = [];
let charged = process.cpuUsage();

/** Charges the process CPU used since the last call to the newest open measure. */
function chargeSinceLast(): void {
  const used = process.cpuUsage(charged);
  charged = process.cpuUsage();
  open.at(-1)?.charge((used.user + used.system) / 1e6);
}

/**
 * CPU seconds spent so far, by part: the process's CPU time (every thread, so ONNX Runtime's own pool
 * threads count) while a call is open. When calls overlap (one awaits while another runs), each slice
 * goes to the newest call open, so parts never count the same CPU twice and add up to what the
 * process spent in them. Exact when one call runs at a time (`pnpm bench:live-cost` profiles one
 * recording alone); with overlapping calls a slice may go to the wrong one of them.
 */
export class CpuLedger<Part extends string> {
  private readonly spent: Record<Part, number>;

  constructor(parts: readonly Part[]) {
    this.spent = Object.fromEntries(parts.map((p) => [p, 0])) as Record<Part, number>;
  }

  async measure<T>(part: Part, work: () => Promise<T>): Promise<T> {
    chargeSinceLast();
    const measure: OpenMeasure = { charge: (seconds) => (this.spent[part] += seconds) };
    open.push(measure);
    try {
      return await work();
    } finally {
      chargeSinceLast();
      open.splice(open.indexOf(measure), 1);
    }
  }

  seconds(): Readonly<Record<Part, number>> {
    return { ...this.spent };
  }
}
