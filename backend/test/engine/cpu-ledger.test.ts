import { describe, expect, it } from 'vitest';
import { CpuLedger } from '../../src/engine/cpu-ledger';

/** Busy for `ms` of this process's CPU time (not wall time: the machine may be shared). */
function spin(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if (used.user + used.system >= ms * 1000) return;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CpuLedger', () => {
  it('counts CPU spent while a call is open', async () => {
    const ledger = new CpuLedger(['work']);
    await ledger.measure('work', async () => spin(60));
    expect(ledger.seconds().work).toBeGreaterThan(0.04);
  });

  it('never counts the same CPU twice when calls of two ledgers overlap', async () => {
    const detector = new CpuLedger(['detector']);
    const model = new CpuLedger(['encoder']);
    const before = process.cpuUsage();
    // The detector awaits while the model's call runs: the model's CPU must not be the detector's too.
    await detector.measure('detector', async () => {
      spin(20);
      await model.measure('encoder', async () => {
        await tick();
        spin(80);
      });
      await tick();
      spin(20);
    });
    const used = process.cpuUsage(before);
    const total = (used.user + used.system) / 1e6;
    const { detector: detectorSeconds } = detector.seconds();
    const { encoder } = model.seconds();
    expect(encoder).toBeGreaterThan(0.06);
    expect(detectorSeconds).toBeLessThan(0.07);
    expect(detectorSeconds + encoder).toBeLessThanOrEqual(total + 0.001);
  });
});
