interface Checkpoint {
  wallMs: number;
  mediaTime: number;
  rate: number;
  playing: boolean;
}

const KEPT_CHECKPOINTS = 600;

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
    if (!checkpoint) return undefined;
    const elapsed = checkpoint.playing ? ((wallMs - checkpoint.wallMs) / 1000) * checkpoint.rate : 0;
    return checkpoint.mediaTime + elapsed;
  }

  clear(): void {
    this.checkpoints = [];
  }
}
