import { EngineError, type LanguageDefaults, loadModelRecognizer, parseDevice } from '../engine';
import type { Recognizer } from '../engine/types';
import { type DownloadProgress, findModel, resolveModel, unsuitedDevice } from '../models';

export interface ModelLoadOptions {
  device: string;
  /** Languages for requests that name none (Whisper, Canary); refused for Parakeet. */
  languages?: LanguageDefaults;
  progress?: DownloadProgress;
}

/** Loads a model by id (downloading it through the model store when missing) or from a directory. */
export type ModelLoader = (idOrDir: string, options: ModelLoadOptions) => Promise<Recognizer>;

export const loadFromStore: ModelLoader = async (idOrDir, { device, languages, progress }) => {
  checkModelDevice(idOrDir, device);
  const model = await resolveModel(idOrDir, { allowDownload: true, ...(progress ? { progress } : {}) });
  return loadModelRecognizer(model, device, languages);
};

/** Loads each model in turn; if one fails, those already loaded are released. */
export async function loadAll(
  load: ModelLoader,
  idsOrDirs: readonly string[],
  options: ModelLoadOptions,
): Promise<Recognizer[]> {
  const loaded: Recognizer[] = [];
  try {
    for (const idOrDir of idsOrDirs) {
      const recognizer = await load(idOrDir, options);
      loaded.push(recognizer);
      const twin = loaded.find((r) => r !== recognizer && r.modelId === recognizer.modelId);
      if (twin) throw new Error(`two models given are both called ${recognizer.modelId}; give each once`);
    }
    return loaded;
  } catch (error) {
    await Promise.all(loaded.map((r) => r.release()));
    throw error;
  }
}

/** Ids the store can load while serving: its speech recognizers (not the VAD, not directories). */
export function isStoreRecognizer(id: string): boolean {
  return findModel(id)?.kind === 'asr';
}

/** Refuses a store model on a device its variant cannot run on (fp16 on the CPU), before anything loads. */
export function checkModelDevice(idOrDir: string, device: string): void {
  const entry = findModel(idOrDir);
  const { kind } = parseDevice(device);
  if (entry?.kind !== 'asr' || kind === 'auto') return;
  const why = unsuitedDevice(entry, kind);
  if (why) throw new EngineError('invalid_device', why);
}
