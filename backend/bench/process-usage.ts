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

/** Resident memory of this process and its live children (the ffmpeg decoders), in bytes. */
export function residentBytes(): number {
  let children: string[] = [];
  try {
    children = readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').split(/\s+/);
  } catch {
    // Kernels without CONFIG_PROC_CHILDREN: count this process only.
  }
  let total = process.memoryUsage().rss;
  for (const pid of children.filter(Boolean)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1] ?? 0) * PAGE_BYTES;
    } catch {
      // The child exited between the two reads.
    }
  }
  return total;
}

/** Samples resident memory on an interval while a run goes on. */
export class MemorySampler {
  private readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 200) {
    this.samples.push(residentBytes());
    this.timer = setInterval(() => this.samples.push(residentBytes()), intervalMs);
  }

  stop(): { peakBytes: number; meanBytes: number } {
    clearInterval(this.timer);
    this.samples.push(residentBytes());
    return {
      peakBytes: Math.max(...this.samples),
      meanBytes: this.samples.reduce((sum, v) => sum + v, 0) / this.samples.length,
    };
  }
}
