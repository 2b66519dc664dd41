import type { ErrorCode } from '@earshot/shared';
import { checkDevice } from '../engine/device';
import type { Recognizer } from '../engine/types';
import type { DownloadProgress } from '../models';
import type { RecognitionRequest } from '../sessions/held-model';
import { type InferenceObserver, InferenceQueue, QueueClosedError } from '../streaming/inference-queue';
import { checkModelDevice, type ModelLoader } from './model-loader';

export type Readiness = { ready: true } | { ready: false; reason: string };

/** A model kept in memory: its recognizer and the one inference queue every user of it shares. */
export interface LoadedModel {
  id: string;
  recognizer: Recognizer;
  queue: InferenceQueue;
  /** Ready once a warm-up decode has gone through the queue. */
  readiness: Readiness;
  /** Unix seconds when it was loaded. */
  loadedAt: number;
}

/** The file a load is downloading, bytes done and (when the source lists it) the file's size. */
export interface DownloadState {
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
}

/** A model being made ready while serving, or the last attempt that failed. */
export interface PendingLoad {
  id: string;
  status: 'downloading' | 'loading' | 'failed';
  /** The device asked for. */
  device: string;
  download: DownloadState | null;
  error?: { code: ErrorCode; message: string };
}

export type ModelPoolErrorCode = Extract<
  ErrorCode,
  'model_not_found' | 'model_not_loaded' | 'model_in_use' | 'model_is_default' | 'model_loading'
>;

/** A request about a model the pool cannot serve as asked; the code says which case. */
export class ModelPoolError extends Error {
  constructor(
    readonly code: ModelPoolErrorCode,
    message: string,
    /** The request field that named the model. */
    readonly param: 'model' | 'interim_model' = 'model',
  ) {
    super(message);
    this.name = 'ModelPoolError';
  }
}

/** A load while serving that failed: the code and message its state records. */
export class ModelLoadError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

/** A user of a loaded model (a live recording): while leased, the model cannot be unloaded. */
export interface ModelLease {
  model: LoadedModel;
  release(): void;
}

/** The models of one live recording: `model` makes its finals, `interim` (when set) its interims. */
export interface RecognitionLease {
  model: LoadedModel;
  interim: LoadedModel | null;
  release(): void;
}

export interface ModelPoolObserver extends InferenceObserver {
  /** Whether the default model is warmed up; called when that changes or another model becomes default. */
  readyChanged?(ready: boolean): void;
}

export interface ModelPoolOptions {
  /** The models loaded at start; the first is the default. The caller releases them after `close`. */
  models: readonly Recognizer[];
  /**
   * Id of one of `models` that makes the interims of recordings naming no interim model, while the
   * model they name (or the default) makes their finals.
   */
  interimModel?: string;
  loader: ModelLoader;
  /** Device for loads that name none: the one the server was started with. */
  device: string;
  /** Ids the loader can load (the store's recognizers); anything else is `model_not_found`. */
  isKnown(id: string): boolean;
  observer?: ModelPoolObserver;
  onWarmUpFailed?(modelId: string, error: unknown): void;
}

/**
 * The loaded models and the default one. Each model has one inference queue; a recording leases its
 * model when it starts and keeps it until it ends, whatever becomes the default meanwhile. Models are
 * loaded and unloaded while serving; unloading releases the ONNX sessions.
 */
export class ModelPool {
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly pending = new Map<string, PendingLoad>();
  /** Loads in progress, settling when the model is loaded or its load failed. */
  private readonly loads = new Map<string, Promise<void>>();
  private readonly users = new Map<string, number>();
  /** Loaded by the pool itself, so released by it on close. */
  private readonly owned = new Set<Recognizer>();
  private defaultId: string;
  private readonly interimId: string | null;
  private closed = false;

  constructor(private readonly options: ModelPoolOptions) {
    const [first] = options.models;
    if (!first) throw new Error('a model pool needs at least one model');
    this.defaultId = first.modelId;
    for (const recognizer of options.models) this.add(recognizer);
    this.interimId = options.interimModel ?? null;
    if (this.interimId !== null && !this.loaded.has(this.interimId)) {
      throw new Error(`the interim model ${this.interimId} is not among the models served`);
    }
  }

  get default(): LoadedModel {
    return this.loaded.get(this.defaultId) as LoadedModel;
  }

  /** Ready once the default model and the interim model beside it are warmed up. */
  get readiness(): Readiness {
    const { readiness } = this.default;
    return readiness.ready ? (this.defaultInterim?.readiness ?? readiness) : readiness;
  }

  /** The model making interims for recordings that name none, or null when each model does both. */
  get defaultInterim(): LoadedModel | null {
    return this.interimId === null ? null : (this.loaded.get(this.interimId) ?? null);
  }

  /** Loaded models, the default first. */
  list(): LoadedModel[] {
    const rest = [...this.loaded.values()].filter((m) => m.id !== this.defaultId);
    return [this.default, ...rest];
  }

  pendingLoad(id: string): PendingLoad | undefined {
    return this.pending.get(id);
  }

  /** The loaded model with this id, or the default one without an id. */
  get(id?: string): LoadedModel {
    if (id === undefined) return this.default;
    const model = this.loaded.get(id);
    if (model) return model;
    if (this.pending.get(id)?.status === 'downloading' || this.pending.get(id)?.status === 'loading') {
      throw new ModelPoolError(
        'model_loading',
        `model ${id} is still loading; GET /v1/models/${id} says when it is loaded`,
      );
    }
    if (this.options.isKnown(id)) {
      throw new ModelPoolError(
        'model_not_loaded',
        `model ${id} is not loaded (loaded: ${this.loadedIds()}); load it with POST /v1/models/${id}/load`,
      );
    }
    throw new ModelPoolError('model_not_found', `unknown model "${id}" (loaded: ${this.loadedIds()})`);
  }

  /** Takes the model for a recording; it stays loaded until the lease is released. */
  lease(id?: string): ModelLease {
    const model = this.get(id);
    this.users.set(model.id, this.usersOf(model.id) + 1);
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        this.users.set(model.id, this.usersOf(model.id) - 1);
      },
    };
  }

  /**
   * Takes the models of a recording: the final model it names (or the default) and the interim model it
   * names (absent: the server's interim model; null: none). Both stay loaded until the lease is released.
   */
  leaseRecognition({ model, interimModel }: RecognitionRequest): RecognitionLease {
    const interimId = interimModel === undefined ? this.interimId : interimModel;
    let interim: LoadedModel | null = null;
    if (interimId !== null) {
      try {
        interim = this.get(interimId);
      } catch (error) {
        if (!(error instanceof ModelPoolError)) throw error;
        throw new ModelPoolError(error.code, `interim_model: ${error.message}`, 'interim_model');
      }
    }
    const finals = this.lease(model);
    const interims = interim ? this.lease(interim.id) : null;
    return {
      model: finals.model,
      interim,
      release: () => {
        finals.release();
        interims?.release();
      },
    };
  }

  usersOf(id: string): number {
    return this.users.get(id) ?? 0;
  }

  setDefault(id: string): void {
    const model = this.get(id);
    this.defaultId = model.id;
    this.options.observer?.readyChanged?.(this.readiness.ready);
  }

  /**
   * Starts loading a model (downloading it through the store when needed) and returns at once with its
   * state; a model already loaded or loading is not loaded twice. A device that cannot run is refused
   * here, with the same error a start gives.
   */
  load(id: string, options: { device?: string; makeDefault?: boolean } = {}): PendingLoad | LoadedModel {
    const device = options.device ?? this.options.device;
    const loaded = this.loaded.get(id);
    if (loaded) {
      if (options.device !== undefined && !runsOn(loaded.recognizer, options.device)) {
        throw new ModelPoolError(
          'model_in_use',
          `model ${id} is loaded on ${loaded.recognizer.device}; unload it before loading it on ${options.device}`,
        );
      }
      if (options.makeDefault) this.setDefault(id);
      return loaded;
    }
    if (!this.options.isKnown(id)) this.get(id);
    const running = this.pending.get(id);
    if (running && running.status !== 'failed') return running;
    checkDevice(device);
    checkModelDevice(id, device);

    const state: PendingLoad = { id, status: 'loading', device, download: null };
    this.pending.set(id, state);
    const settled = this.options.loader(id, { device, progress: downloadTracker(state) }).then(
      async (recognizer) => {
        if (this.closed) {
          await recognizer.release();
          return;
        }
        this.pending.delete(id);
        this.owned.add(recognizer);
        this.add(recognizer, id);
        if (options.makeDefault) this.setDefault(id);
      },
      (error: unknown) => {
        state.status = 'failed';
        state.error = { code: loadErrorCode(error), message: errorMessage(error) };
      },
    );
    this.loads.set(
      id,
      settled.finally(() => this.loads.delete(id)),
    );
    return state;
  }

  /**
   * The model once it is loaded: at once when it is, after its load in progress otherwise. A load that
   * failed is thrown as the error it recorded (with its code); a model not being loaded is get()'s error.
   */
  async whenLoaded(id: string): Promise<LoadedModel> {
    await this.loads.get(id);
    const failed = this.pending.get(id);
    if (!this.loaded.has(id) && failed?.status === 'failed' && failed.error) {
      throw new ModelLoadError(failed.error.code, failed.error.message);
    }
    return this.get(id);
  }

  /** Unloads a model no recording uses and frees its memory; the default model stays. */
  async unload(id: string): Promise<void> {
    const model = this.get(id);
    if (model.id === this.defaultId) {
      throw new ModelPoolError(
        'model_is_default',
        `model ${id} is the default; make another loaded model the default first (POST /v1/models/<id>/load with {"default": true})`,
      );
    }
    if (model.id === this.interimId) {
      throw new ModelPoolError(
        'model_is_default',
        `model ${id} makes the interims of recordings that name no interim model (earshot serve --interim-model); it stays loaded`,
      );
    }
    const users = this.usersOf(id);
    if (users > 0) {
      throw new ModelPoolError(
        'model_in_use',
        `model ${id} is used by ${users} live recording${users === 1 ? '' : 's'}; it can be unloaded once they end`,
      );
    }
    this.loaded.delete(id);
    this.users.delete(id);
    this.owned.delete(model.recognizer);
    await model.queue.close();
    await model.recognizer.release();
  }

  async close(): Promise<void> {
    this.closed = true;
    const models = [...this.loaded.values()];
    await Promise.all(models.map((m) => m.queue.close()));
    await Promise.all([...this.owned].map((r) => r.release()));
  }

  private add(recognizer: Recognizer, id = recognizer.modelId): void {
    const queue = new InferenceQueue(recognizer, {}, this.queueObserver());
    const model: LoadedModel = {
      id,
      recognizer,
      queue,
      readiness: { ready: false, reason: `model ${id} is warming up` },
      loadedAt: Math.floor(Date.now() / 1000),
    };
    this.loaded.set(id, model);
    this.warmUp(model);
  }

  /**
   * One second of silence through the queue: the first encoder pass allocates and tunes kernels, and it
   * gives the queue its first measure of the engine's speed.
   */
  private warmUp(model: LoadedModel): void {
    const silence = new Float32Array(model.recognizer.sampleRate);
    const settled = (readiness: Readiness) => {
      model.readiness = readiness;
      if (model.id === this.defaultId || model.id === this.interimId) {
        this.options.observer?.readyChanged?.(this.readiness.ready);
      }
    };
    model.queue.submit({ key: 'warm-up', kind: 'final', samples: silence }).then(
      () => settled({ ready: true }),
      (error: unknown) => {
        settled({ ready: false, reason: `the warm-up decode failed: ${errorMessage(error)}` });
        if (!(error instanceof QueueClosedError)) this.options.onWarmUpFailed?.(model.id, error);
      },
    );
  }

  /** Forwards every queue's reports; the depth reported is that of all queues together. */
  private queueObserver(): InferenceObserver {
    const observer = this.options.observer ?? {};
    return {
      batchDecoded: (batch) => observer.batchDecoded?.(batch),
      interimDropped: () => observer.interimDropped?.(),
      interimSuperseded: () => observer.interimSuperseded?.(),
      recognitionFailed: (requests) => observer.recognitionFailed?.(requests),
      depthChanged: () =>
        observer.depthChanged?.([...this.loaded.values()].reduce((sum, m) => sum + m.queue.depth, 0)),
    };
  }

  private loadedIds(): string {
    return [...this.loaded.keys()].join(', ');
  }
}

/** Whether a loaded recognizer satisfies a device request (`cuda` is GPU 0, `auto` takes what it got). */
function runsOn(recognizer: Recognizer, request: string): boolean {
  const wanted = request.trim().toLowerCase();
  if (wanted === 'auto') return true;
  return (wanted === 'cuda' ? 'cuda:0' : wanted) === recognizer.device;
}

function downloadTracker(state: PendingLoad): DownloadProgress {
  return {
    start(file, total, done) {
      state.status = 'downloading';
      state.download = { file, bytesDone: done, bytesTotal: total ?? null };
    },
    advance(bytes) {
      if (state.download) state.download.bytesDone += bytes;
    },
    end() {
      state.status = 'loading';
    },
  };
}

const LOAD_ERROR_CODES: Record<string, ErrorCode> = {
  cuda_unavailable: 'cuda_unavailable',
  webgpu_unavailable: 'webgpu_unavailable',
  invalid_device: 'invalid_device',
  ModelUnavailableError: 'model_unavailable',
  IncompleteModelDirError: 'model_unavailable',
  DownloadInProgressError: 'model_unavailable',
  model_invalid: 'model_unavailable',
};

function loadErrorCode(error: unknown): ErrorCode {
  const { code, name } = (error ?? {}) as { code?: string; name?: string };
  return LOAD_ERROR_CODES[code ?? ''] ?? LOAD_ERROR_CODES[name ?? ''] ?? 'internal_error';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
