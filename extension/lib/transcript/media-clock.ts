interface Checkpoint {
  wallMs: number;
  mediaTime: number;
  rate: number;
  playing: boolean;
}

const KEPT_CHECKPOINTS = 600;
/** A checkpoint this far from where the one before it predicts marks a seek. */
const JUMP_SECONDS = 0.25;

/**
 * Maps wall-clock moments back to the media position the page played then, from checkpoints
 * noted as the media element reports its time (play, pause, seek, rate and time updates).
 */
export class MediaClock {
  private checkpoints: Checkpoint[] = [];

  note(wallMs: number, mediaTime: number, rate: number, playing: boolean): void {
    const last = this.checkpoints.at(-1);
    if (last && wallMs < last.wallMs) return;
    this.checkpoints.push({ wallMs, mediaTime, rate, playing });
    if (this.checkpoints.length > KEPT_CHECKPOINTS) this.checkpoints.shift();
  }

  /** The media position at `wallMs`, or undefined when no checkpoint is that old. */
  mediaTimeAt(wallMs: number): number | undefined {
    let checkpoint: Checkpoint | undefined;
    for (let i = this.checkpoints.length - 1; i >= 0; i--) {
      const c = this.checkpoints[i] as Checkpoint;
      if (c.wallMs <= wallMs) {
        checkpoint = c;
        break;
      }
    }
    return checkpoint && extrapolate(checkpoint, wallMs);
  }

  /**
   * Whether the media played on without a seek from `fromWallMs` to `toWallMs`, so that media
   * times taken at both moments belong to one stretch of the media.
   */
  continuous(fromWallMs: number, toWallMs: number): boolean {
    let previous: Checkpoint | undefined;
    for (const c of this.checkpoints) {
      if (c.wallMs > toWallMs) break;
      if (
        previous &&
        c.wallMs > fromWallMs &&
        Math.abs(c.mediaTime - extrapolate(previous, c.wallMs)) > JUMP_SECONDS
      )
        return false;
      previous = c;
    }
    return true;
  }

  clear(): void {
    this.checkpoints = [];
  }
}

function extrapolate(checkpoint: Checkpoint, wallMs: number): number {
  const elapsed = checkpoint.playing ? ((wallMs - checkpoint.wallMs) / 1000) * checkpoint.rate : 0;
  return checkpoint.mediaTime + elapsed;
}
