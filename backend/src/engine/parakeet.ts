import { existsSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { type Accelerator, startRecognizer } from './accelerator.js';
import { CpuLedger } from './cpu-ledger.js';
import { DecodeTurns } from './decode-turns.js';
import { DecoderJoint } from './decoder-joint.js';
import { type OpenSessionsOptions, openSessions } from './device.js';
import { ModelLoadError } from './errors.js';
import { type ParakeetConfig, readParakeetConfig } from './model-config.js';
import { modelFile, preprocessorFile } from './model-files.js';
import { releaseGpuOutputs, requireNames, tensorData } from './onnx-io.js';
import { assembleResult } from './result-assembly.js';
import { SoundLevels } from './sound-levels.js';
import { type DecodedStream, type DecodePlan, greedyDecode } from './tdt-decoder.js';
import { chunkPlan, chunkResult } from './transducer-chunk.js';
import type {
  ChunkedDecoding,
  RecognitionResult,
  Recognizer,
  RecognizerStream,
  StreamOptions,
} from './types.js';
import { readVocabulary, type Vocabulary } from './vocab.js';
import { WaveformStream } from './waveform-stream.js';

export interface ParakeetOptions extends OpenSessionsOptions {
  modelDir: string;
  modelId: string;
  /** cpu | auto | cuda | cuda:N | webgpu */
  device: string;
  /** Encoder file inside modelDir, e.g. `encoder-model.int8.onnx`. */
  encoderFile?: string;
  decoderFile?: string;
}

type ParakeetStream = WaveformStream<ParakeetRecognizer, RecognitionResult>;

/** Wall ms a recognizer has spent so far, by part: what is not session time is Earshot's own. */
export interface DecodeTimings {
  decodes: number;
  /** The whole decode() work, from samples to results. */
  totalMs: number;
  featuresSessionMs: number;
  encoderSessionMs: number;
  /** The greedy loop, and the share of it inside the decoder/joint session. */
  loopMs: number;
  jointSessionMs: number;
  jointRuns: number;
}

/** NVIDIA Parakeet TDT (or RNN-T) in the public ONNX layout: preprocessor, encoder, decoder+joint. */
export class ParakeetRecognizer implements Recognizer {
  readonly sampleRate: number;
  readonly chunking: ChunkedDecoding;
  private readonly spent = { decodes: 0, totalMs: 0, featuresSessionMs: 0, encoderSessionMs: 0, loopMs: 0 };
  private readonly cpu = new CpuLedger(['features', 'encoder', 'decoding']);
  private readonly turns = new DecodeTurns<ParakeetRecognizer, RecognitionResult>(this);
  private gpu: Accelerator | undefined;

  private constructor(
    readonly modelId: string,
    readonly device: string,
    readonly providers: readonly string[],
    private readonly config: ParakeetConfig,
    private readonly vocab: Vocabulary,
    private readonly preprocessor: ort.InferenceSession,
    private readonly encoder: ort.InferenceSession,
    private readonly joint: DecoderJoint,
  ) {
    this.sampleRate = config.sampleRate;
    this.chunking = { frameSeconds: config.frameShift };
  }

  static async load(options: ParakeetOptions): Promise<ParakeetRecognizer> {
    const dir = path.resolve(options.modelDir);
    if (!existsSync(dir)) throw new ModelLoadError(`Model directory ${dir} does not exist`);
    const config = readParakeetConfig(dir);
    const vocab = readVocabulary(path.join(dir, 'vocab.txt'));
    const files = {
      preprocessor: preprocessorFile(dir, config.featuresSize),
      encoder: modelFile(dir, options.encoderFile ?? 'encoder-model.onnx'),
      decoder: modelFile(dir, options.decoderFile ?? 'decoder_joint-model.onnx'),
    };
    // The features go straight from the preprocessor into the encoder without leaving the GPU. The
    // front end and the decoder step are too small to share between threads: a second thread costs
    // more waking up than it saves.
    const opened = await openSessions(
      options.device,
      files,
      { ...options, gpuOutputs: { preprocessor: ['features'] } },
      { preprocessor: 1, decoder: 1 },
    );
    const { device, providers, sessions } = opened;
    const { recognizer, gpu } = await startRecognizer(
      options.modelId,
      opened,
      () => {
        requireNames(files.preprocessor, 'inputs', sessions.preprocessor.inputNames, [
          'waveforms',
          'waveforms_lens',
        ]);
        requireNames(files.preprocessor, 'outputs', sessions.preprocessor.outputNames, [
          'features',
          'features_lens',
        ]);
        requireNames(files.encoder, 'inputs', sessions.encoder.inputNames, ['audio_signal', 'length']);
        requireNames(files.encoder, 'outputs', sessions.encoder.outputNames, ['outputs', 'encoded_lengths']);
        const joint = new DecoderJoint(sessions.decoder, files.decoder);
        return new ParakeetRecognizer(
          options.modelId,
          device,
          providers,
          config,
          vocab,
          sessions.preprocessor,
          sessions.encoder,
          joint,
        );
      },
      (recognizer) => recognizer.warmUp(),
      options.info,
    );
    recognizer.gpu = gpu;
    return recognizer;
  }

  /** The GPU the sessions run on, with the nodes its provider left on the CPU; undefined on the CPU. */
  get accelerator(): Accelerator | undefined {
    return this.gpu;
  }

  createStream(options: StreamOptions = {}): RecognizerStream {
    // Parakeet has no previous-text input: a prompt is accepted and has no effect.
    const { chunk } = options;
    return new WaveformStream<ParakeetRecognizer, RecognitionResult>(
      this,
      this.sampleRate,
      chunk ? { chunk } : {},
    );
  }

  async decode(streams: readonly RecognizerStream[]): Promise<void> {
    return this.turns.take(streams, (own) => this.decodeNow(own));
  }

  cpuSeconds(): Readonly<Record<string, number>> {
    return this.cpu.seconds();
  }

  /** One decode of a second of silence, through every session. */
  private async warmUp(): Promise<void> {
    const stream = this.createStream();
    stream.acceptWaveform(new Float32Array(this.sampleRate));
    await this.decode([stream]);
  }

  timings(): DecodeTimings {
    return { ...this.spent, jointSessionMs: this.joint.sessionMs, jointRuns: this.joint.runs };
  }

  private async decodeNow(streams: ParakeetStream[]): Promise<void> {
    const started = performance.now();
    await this.decodeTimed(streams);
    this.spent.decodes += 1;
    this.spent.totalMs += performance.now() - started;
  }

  private async decodeTimed(streams: ParakeetStream[]): Promise<void> {
    const audible = streams.filter((s) => s.duration > 0);
    for (const stream of streams) {
      if (stream.duration === 0) this.setResult(stream, this.nothingDecoded(stream), new Float32Array(0));
    }
    if (audible.length === 0) return;

    const waves = audible.map((s) => s.samples());
    const width = Math.max(...waves.map((w) => w.length));
    const batch = new Float32Array(audible.length * width);
    waves.forEach((w, b) => {
      batch.set(w, b * width);
    });
    const lengths = BigInt64Array.from(waves, (w) => BigInt(w.length));

    let mark = performance.now();
    const features = await this.cpu.measure('features', () =>
      this.preprocessor.run({
        waveforms: new ort.Tensor('float32', batch, [audible.length, width]),
        waveforms_lens: new ort.Tensor('int64', lengths, [audible.length]),
      }),
    );
    this.spent.featuresSessionMs += performance.now() - mark;
    mark = performance.now();
    const encoded = await this.cpu.measure('encoder', () =>
      this.encoder.run({
        audio_signal: features.features as ort.Tensor,
        length: features.features_lens as ort.Tensor,
      }),
    );
    releaseGpuOutputs(features);
    this.spent.encoderSessionMs += performance.now() - mark;
    mark = performance.now();
    const outputs = encoded.outputs as ort.Tensor;
    const [, dim = 0, frames = 0] = outputs.dims;
    const plans = audible.map((s) => this.plan(s));
    const decoded = await this.cpu.measure('decoding', () =>
      greedyDecode(
        this.joint,
        {
          data: tensorData(outputs, Float32Array),
          batch: audible.length,
          dim,
          frames,
          lengths: Array.from(tensorData(encoded.encoded_lengths, BigInt64Array), (n) =>
            Math.min(Number(n), frames),
          ),
        },
        {
          vocabSize: this.vocab.pieces.length,
          blankId: this.vocab.blankId,
          durations: this.config.durations,
          maxTokensPerStep: this.config.maxTokensPerStep,
        },
        plans,
      ),
    );
    this.spent.loopMs += performance.now() - mark;
    audible.forEach((stream, b) => {
      this.setResult(stream, decoded[b] as DecodedStream, waves[b] as Float32Array);
    });
  }

  private plan(stream: ParakeetStream): DecodePlan | null {
    const { chunk } = stream.options;
    return chunk ? chunkPlan(chunk, this.modelId, this.config.frameShift, this.vocab) : null;
  }

  /** An empty stream decodes to no tokens; a chunk keeps its state (and any frames still to skip). */
  private nothingDecoded(stream: ParakeetStream): DecodedStream {
    const plan = this.plan(stream);
    const initial = () => ({
      states1: this.joint.initialState(1),
      states2: this.joint.initialState(1),
      lastToken: this.vocab.blankId,
    });
    const point = {
      frame: plan?.commitFrame ?? 0,
      state: plan?.state ?? initial(),
      tokens: 0,
      overshoot: plan ? Math.max(0, plan.startFrame - plan.commitFrame) : 0,
    };
    return { tokens: [], atCommit: point, atWordStarts: [] };
  }

  private setResult(stream: ParakeetStream, decoded: DecodedStream, wave: Float32Array): void {
    const { frameShift } = this.config;
    const timing = {
      frameShift,
      duration: stream.duration,
      levels: new SoundLevels(wave, this.sampleRate),
    };
    const { chunk } = stream.options;
    stream.setResult(
      chunk
        ? chunkResult(chunk, this.modelId, decoded, this.vocab, { ...timing, frameSeconds: frameShift })
        : assembleResult(decoded.tokens, this.vocab, timing),
    );
  }

  release(): Promise<void> {
    return this.turns.release(() =>
      Promise.all([this.preprocessor.release(), this.encoder.release(), this.joint.release()]),
    );
  }
}
