import type { Segment } from '@earshot/shared';

/** What a recording has to tell its client since the last time it was asked. */
export interface TranscriptUpdate {
  /** Final segments not handed out before, in order; each final leaves the outbox exactly once. */
  finals: Segment[];
  /** The current interim segment, which replaces any interim handed out before. */
  interim: Segment | null;
  /** Recognition is behind the audio: busy, dropped by the queue, or audio was given up. */
  behind: boolean;
  /** Seconds of received audio not yet recognized. */
  lagSeconds: number;
}

/**
 * The events side of a recording's pipeline: finals wait here until a transport takes them, a failure of
 * a recognition nobody was waiting for waits to be reported, and whether recognition fell behind since
 * the last take is remembered.
 */
export class TranscriptOutbox {
  private finals: Segment[] = [];
  private failure: { error: unknown } | null = null;
  private skipped = false;
  private shed = false;

  addFinals(finals: readonly Segment[]): void {
    this.finals.push(...finals);
  }

  /** The last recognition was dropped or superseded by the queue (false once one went through). */
  setSkipped(skipped: boolean): void {
    this.skipped = skipped;
  }

  /** Audio was given up unrecognized. */
  markShed(): void {
    this.shed = true;
  }

  fail(error: unknown): void {
    this.failure = { error };
  }

  /** Hands out what is waiting; a waiting failure is thrown instead (once). */
  take(current: { interim: Segment | null; recognizing: boolean; lagSeconds: number }): TranscriptUpdate {
    if (this.failure) {
      const { error } = this.failure;
      this.failure = null;
      throw error;
    }
    const finals = this.finals;
    this.finals = [];
    const shed = this.shed;
    this.shed = false;
    return {
      finals,
      interim: current.interim,
      behind: current.recognizing || this.skipped || shed,
      lagSeconds: current.lagSeconds,
    };
  }
}
