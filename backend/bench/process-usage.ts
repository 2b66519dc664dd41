import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
const PAGE_BYTES = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()) || 4096;

/**
 * CPU seconds used so far by this process (server, recognizer and simulated tabs alike) plus its
 * finished child processes (the ffmpeg decoders, counted by Linux once they exit).
 */
export function cpuSecondsUsed(): number {
  const stat = readFileSync(`/proc/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name: utime, stime, cutime, cstime are fields 12..15 (1-based, from `state`).
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0);
  return ticks / CLOCK_TICKS;
}

function childPids(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean);
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: count this process only.
    return [];
  }
}

/**
 * Proportional memory (PSS) of this process and its live children, in bytes: a page shared by n of
 * them counts 1/n to each, so the ffmpeg decoders' shared libraries count once, not once per decoder
 * as in resident memory.
 */
export function proportionalBytes(): number {
  let total = 0;
  for (const pid of [String(process.pid), ...childPids(process.pid)]) {
    try {
      const pss = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      total += Number(pss?.[1] ?? 0) * 1024;
    } catch {
      // The child exited between the two reads, or the kernel has no smaps_rollup.
    }
  }
  return total;
}

/** Resident memory of a process (this one unless told) and its live children (the ffmpeg decoders), in bytes. */
export function residentBytes(pid = process.pid): number {
  let total = 0;
  for (const p of [String(pid), ...childPids(pid)]) {
    try {
      total += Number(readFileSync(`/proc/${p}/statm`, 'utf8').split(' ')[1] ?? 0) * PAGE_BYTES;
    } catch {
      // The process exited between the listing and the read.
    }
  }
  return total;
}

/** Samples resident memory on an interval while a run goes on. */
export class MemorySampler {
  private readonly samples: number[] = [];
  private readonly proportional: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): { peakBytes: number; meanBytes: number; peakProportionalBytes: number } {
    clearInterval(this.timer);
    this.sample();
    return {
      peakBytes: Math.max(...this.samples),
      meanBytes: this.samples.reduce((sum, v) => sum + v, 0) / this.samples.length,
      peakProportionalBytes: Math.max(...this.proportional),
    };
  }

  private sample(): void {
    this.samples.push(residentBytes());
    this.proportional.push(proportionalBytes());
  }
}
