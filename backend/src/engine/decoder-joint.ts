import * as ort from 'onnxruntime-node';
import { ModelLoadError } from './errors.js';
import { requireNames, tensorData } from './onnx-io.js';

const INPUTS = ['encoder_outputs', 'targets', 'target_length', 'input_states_1', 'input_states_2'];
const OUTPUTS = ['outputs', 'output_states_1', 'output_states_2'];

/**
 * Encoder frames scored per call when the joint takes a time axis (NeMo's exports do): the prediction
 * network's output only changes when a token is emitted, so one call scores a run of frames against
 * it, and every frame up to the first emission is decided by that call. A longer block wastes the
 * joint's work on the frames after an emission; a shorter one needs more calls through blanks.
 */
const FRAMES_PER_CALL = 8;

export interface JointStep {
  /** [batch, frames, width] rows: vocabulary logits, then duration logits when the joint has a duration head. */
  logits: Float32Array;
  frames: number;
  width: number;
  /** Prediction-network states after consuming `targets`, [layers, batch, size] each. */
  states1: Float32Array;
  states2: Float32Array;
}

/** The prediction network + joint of a Parakeet transducer, one encoder frame per call. */
export class DecoderJoint {
  /** Recurrent state layout [layers, batch, size]; read from the model's input metadata. */
  readonly stateLayers: number;
  readonly stateSize: number;
  /** Encoder frames one call can score: FRAMES_PER_CALL, or 1 for a joint exported with a fixed time axis. */
  readonly framesPerCall: number;
  /** Wall ms spent inside the ONNX session's run() so far, and how many runs. */
  sessionMs = 0;
  runs = 0;

  constructor(
    private readonly session: ort.InferenceSession,
    file: string,
  ) {
    requireNames(file, 'inputs', session.inputNames, INPUTS);
    requireNames(file, 'outputs', session.outputNames, OUTPUTS);
    const state = session.inputMetadata.find((m) => m.name === 'input_states_1');
    const shape = state?.isTensor ? state.shape : [];
    const [layers, , size] = shape;
    if (typeof layers !== 'number' || typeof size !== 'number') {
      throw new ModelLoadError(
        `${file}: input_states_1 must have a fixed [layers, batch, size] shape, got [${shape.join(', ')}]`,
      );
    }
    this.stateLayers = layers;
    this.stateSize = size;
    const encoder = session.inputMetadata.find((m) => m.name === 'encoder_outputs');
    const time = encoder?.isTensor ? encoder.shape[2] : 1;
    this.framesPerCall = typeof time === 'number' && time > 0 ? 1 : FRAMES_PER_CALL;
  }

  release(): Promise<void> {
    return this.session.release();
  }

  /** Zeroed state for `batch` streams, as used before the first token. */
  initialState(batch: number): Float32Array {
    return new Float32Array(this.stateLayers * batch * this.stateSize);
  }

  /**
   * encoder: [batch, encoderDim, frames] encoder vectors, channels first (frames ≤ framesPerCall);
   * targets: last emitted token per stream.
   */
  async run(
    encoder: Float32Array,
    frames: number,
    targets: Int32Array,
    states1: Float32Array,
    states2: Float32Array,
  ) {
    const batch = targets.length;
    const encoderDim = encoder.length / batch / frames;
    const stateDims = [this.stateLayers, batch, this.stateSize];
    const started = performance.now();
    const out = await this.session.run({
      encoder_outputs: new ort.Tensor('float32', encoder, [batch, encoderDim, frames]),
      targets: new ort.Tensor('int32', targets, [batch, 1]),
      target_length: new ort.Tensor('int32', new Int32Array(batch).fill(1), [batch]),
      input_states_1: new ort.Tensor('float32', states1, stateDims),
      input_states_2: new ort.Tensor('float32', states2, stateDims),
    });
    this.sessionMs += performance.now() - started;
    this.runs += 1;
    const logits = tensorData(out.outputs, Float32Array);
    return {
      logits,
      frames,
      width: logits.length / batch / frames,
      states1: tensorData(out.output_states_1, Float32Array),
      states2: tensorData(out.output_states_2, Float32Array),
    } satisfies JointStep;
  }
}
