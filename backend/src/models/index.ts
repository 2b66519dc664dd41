export { DownloadInProgressError, STALE_LOCK_MS } from './download-lock';
export {
  ChecksumMismatchError,
  DownloadError,
  IncompleteModelDirError,
  ModelUnavailableError,
  NotARecognizerError,
  UnknownModelError,
} from './errors';
export type { DownloadProgress } from './progress';
export { silentProgress, streamProgress } from './progress';
export type { AsrModelEntry, DeviceKind, ModelEntry, Precision, VadModelEntry } from './registry';
export {
  DEFAULT_MODEL_ID,
  defaultModelId,
  findModel,
  MODELS,
  OFFLINE_MODEL_ID,
  TINY_CANARY_MODEL_ID,
  unsuitedDevice,
  VAD_MODEL_ID,
} from './registry';
export type { StoreSettings } from './settings';
export { storeSettings } from './settings';
export type { FileVerification, ModelState, ModelStatus, ResolvedModel, ResolveOptions } from './store';
export { downloadModel, listModels, modelDir, resolveModel, resolveVadModel, verifyModel } from './store';
