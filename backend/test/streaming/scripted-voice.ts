import type { FrameClassifier, SpeechSpan } from '../../src/streaming/speech-activity';

const RATE = 16_000;

/**
 * A voice activity detector that knows the truth: frames that begin inside a voiced span are speech
 * (probability 0.9), all others are not (0.02). Frames follow one another, so their position is counted.
 */
export class ScriptedVoice implements FrameClassifier {
  readonly sampleRate = RATE;
  readonly frameSamples = 512;
  private received = 0;
  private frames = 0;

  constructor(private readonly voiced: readonly SpeechSpan[]) {}

  async accept(samples: Float32Array): Promise<Float32Array> {
    this.received += samples.length;
    return this.classify(Math.floor(this.received / this.frameSamples));
  }

  async flush(): Promise<Float32Array> {
    return this.classify(Math.ceil(this.received / this.frameSamples));
  }

  private classify(until: number): Float32Array {
    const out = new Float32Array(Math.max(0, until - this.frames));
    for (let i = 0; i < out.length; i++) {
      const at = ((this.frames + i) * this.frameSamples) / RATE;
      out[i] = this.voiced.some((v) => at >= v.start && at < v.end) ? 0.9 : 0.02;
    }
    this.frames = Math.max(this.frames, until);
    return out;
  }
}
