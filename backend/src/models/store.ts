import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { isCanaryModelDir } from '../engine/canary/model-config';
import { isWhisperModelDir } from '../engine/whisper/model-config';
import { type Checksum, describeChecksum, fileChecksum } from './checksum';
import { downloadFile } from './download';
import { withDownloadLock } from './download-lock';
import {
  DownloadError,
  IncompleteModelDirError,
  ModelUnavailableError,
  NotARecognizerError,
  UnknownModelError,
} from './errors';
import { listRepoFiles, type RemoteFile, resolveUrl } from './hf-hub';
import type { DownloadProgress } from './progress';
import {
  type AsrModelEntry,
  type DeviceKind,
  findModel,
  MODELS,
  type ModelEntry,
  type Precision,
  VAD_MODEL_ID,
  type VadModelEntry,
} from './registry';
import { modelCacheDir, type StoreSettings, storeSettings } from './settings';

/** A recognizer model ready to load; `encoderFile`/`decoderFile` are file names inside `dir`. */
export interface ResolvedModel {
  id: string;
  dir: string;
  encoderFile: string;
  decoderFile: string;
  /** The languages the model was trained for, where its vocabulary names more (see AsrModelEntry). */
  languages?: readonly string[];
}

export interface StoreOptions {
  settings?: StoreSettings;
  progress?: DownloadProgress;
  /** Further attempts per file after a dropped connection (default 4). */
  retries?: number;
  retryDelayMs?: number;
}

export interface ResolveOptions extends StoreOptions {
  /** Download a missing Hub model; when false a missing model is a ModelUnavailableError. */
  allowDownload: boolean;
}

/** Checksums recorded at download time, so `verify` works offline. */
const MANIFEST = '.earshot-manifest.json';

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

async function missingFiles(dir: string, files: readonly string[]): Promise<string[]> {
  const present = await Promise.all(files.map((f) => exists(join(dir, f))));
  return files.filter((_, i) => !present[i]);
}

function asResolved(entry: AsrModelEntry, dir: string): ResolvedModel {
  return {
    id: entry.id,
    dir,
    encoderFile: entry.encoderFile,
    decoderFile: entry.decoderFile,
    ...(entry.languages ? { languages: entry.languages } : {}),
  };
}

/** Where a model's files are (or would be downloaded to). */
export function modelDir(entry: ModelEntry, settings: StoreSettings): string {
  return entry.source.kind === 'bundled' ? entry.source.dir : modelCacheDir(settings, entry.id);
}

/**
 * Uses a directory in the Parakeet or Canary ONNX layout (or, when its config.json says whisper, the
 * transformers.js Whisper layout) as-is, preferring fp32 files over int8 ones.
 */
async function resolveDirectory(dir: string): Promise<ResolvedModel> {
  const pick = async (names: string[]) => {
    for (const name of names) if (await exists(join(dir, name))) return name;
    return undefined;
  };
  if (isWhisperModelDir(dir)) {
    const encoder = await pick(['onnx/encoder_model.onnx', 'onnx/encoder_model_quantized.onnx']);
    const decoder = await pick([
      'onnx/decoder_model_merged.onnx',
      'onnx/decoder_model_merged_quantized.onnx',
    ]);
    const missing = [
      ...(encoder ? [] : ['onnx/encoder_model.onnx (or onnx/encoder_model_quantized.onnx)']),
      ...(decoder ? [] : ['onnx/decoder_model_merged.onnx (or onnx/decoder_model_merged_quantized.onnx)']),
      ...(await missingFiles(dir, ['generation_config.json', 'preprocessor_config.json', 'tokenizer.json'])),
    ];
    if (!encoder || !decoder || missing.length > 0) throw new IncompleteModelDirError(dir, missing);
    return { id: basename(dir), dir, encoderFile: encoder, decoderFile: decoder };
  }
  // Canary's decoder (an attention decoder) is decoder-model, Parakeet's decoder_joint-model.
  const decoderName = isCanaryModelDir(dir) ? 'decoder-model' : 'decoder_joint-model';
  const encoder = await pick(['encoder-model.onnx', 'encoder-model.int8.onnx']);
  const decoder = await pick([`${decoderName}.onnx`, `${decoderName}.int8.onnx`]);
  const missing = [
    ...(encoder ? [] : ['encoder-model.onnx (or encoder-model.int8.onnx)']),
    ...(decoder ? [] : [`${decoderName}.onnx (or ${decoderName}.int8.onnx)`]),
    ...(await missingFiles(dir, ['vocab.txt'])),
  ];
  if (!encoder || !decoder || missing.length > 0) throw new IncompleteModelDirError(dir, missing);
  return { id: basename(dir), dir, encoderFile: encoder, decoderFile: decoder };
}

/**
 * A model id or a model directory → the files to load. A Hub model that is not on disk is
 * downloaded when `allowDownload` is set; anything that cannot be had throws an error whose
 * message says what is missing and how to get it.
 */
export async function resolveModel(idOrDir: string, options: ResolveOptions): Promise<ResolvedModel> {
  const settings = options.settings ?? storeSettings();
  const entry = findModel(idOrDir);
  if (!entry) {
    const dir = resolve(idOrDir);
    if ((await stat(dir).catch(() => null))?.isDirectory()) return resolveDirectory(dir);
    throw new UnknownModelError(
      idOrDir,
      MODELS.filter((m) => m.kind === 'asr').map((m) => m.id),
    );
  }
  if (entry.kind !== 'asr') throw new NotARecognizerError(entry.id);
  const dir = modelDir(entry, settings);
  const missing = await missingFiles(dir, entry.files);
  if (missing.length === 0) return asResolved(entry, dir);
  if (entry.source.kind === 'bundled') throw new IncompleteModelDirError(dir, missing);
  if (!options.allowDownload) throw new ModelUnavailableError(entry.id, dir, missing);
  await downloadModel(entry.id, { ...options, settings });
  return asResolved(entry, dir);
}

async function writeManifest(dir: string, source: string, files: RemoteFile[]): Promise<void> {
  await writeFile(join(dir, MANIFEST), `${JSON.stringify({ source, files }, null, 2)}\n`);
}

/** The recorded checksums, or undefined when there is no readable record (then the Hub is asked). */
async function readManifest(dir: string): Promise<RemoteFile[] | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as { files?: unknown };
    return Array.isArray(parsed.files) ? (parsed.files as RemoteFile[]) : undefined;
  } catch {
    return undefined;
  }
}

/** What `url`-sourced models (Silero VAD) and Hub models expect of each file. */
async function expectedFiles(entry: ModelEntry, settings: StoreSettings, dir: string): Promise<RemoteFile[]> {
  const source = entry.source;
  if (source.kind === 'url') {
    const checksum: Checksum = { algorithm: 'sha256', value: source.sha256 };
    return entry.files.map((path) => ({ path, size: -1, checksum }));
  }
  if (source.kind !== 'huggingface') throw new Error(`${entry.id} is bundled and has no remote source`);
  const missing = await missingFiles(dir, entry.files);
  const reason = (why: string) => new ModelUnavailableError(entry.id, dir, missing, why);
  if (settings.offline) throw reason('HF_HUB_OFFLINE=1 forbids downloads');
  let listing: RemoteFile[];
  try {
    listing = await listRepoFiles(settings, source.repo, source.revision);
  } catch (err) {
    if (err instanceof DownloadError) throw reason(err.message);
    throw err;
  }
  const required = entry.files.map((path) => {
    const remote = listing.find((f) => f.path === path);
    if (!remote) throw reason(`${source.repo} at ${source.revision} has no file ${path}`);
    return remote;
  });
  const optional = listing.filter((f) => entry.optionalFiles?.includes(f.path));
  return [...required, ...optional];
}

/**
 * Downloads every missing file of a model into its cache directory, resuming partial files.
 * Returns the model's directory. Bundled models, and models already complete, need no network.
 */
export async function downloadModel(id: string, options: StoreOptions = {}): Promise<string> {
  const settings = options.settings ?? storeSettings();
  const entry = findModel(id);
  if (!entry) throw new UnknownModelError(id);
  const dir = modelDir(entry, settings);
  const source = entry.source;
  if (source.kind === 'bundled' || (await missingFiles(dir, entry.files)).length === 0) return dir;
  const expected = await expectedFiles(entry, settings, dir);
  await mkdir(dir, { recursive: true });
  await withDownloadLock(dir, entry.id, async () => {
    for (const file of expected) {
      const dest = join(dir, file.path);
      await mkdir(dirname(dest), { recursive: true });
      const onDisk = await stat(dest).catch(() => null);
      if (onDisk?.isFile() && (file.size < 0 || onDisk.size === file.size)) continue;
      const url =
        source.kind === 'url' ? source.url : resolveUrl(settings, source.repo, source.revision, file.path);
      try {
        await downloadFile({
          url,
          dest,
          ...(file.size >= 0 ? { size: file.size } : {}),
          checksum: file.checksum,
          ...(settings.token && source.kind === 'huggingface' ? { token: settings.token } : {}),
          ...(options.progress ? { progress: options.progress } : {}),
          ...(options.retries !== undefined ? { retries: options.retries } : {}),
          ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
        });
      } catch (err) {
        if (!(err instanceof DownloadError)) throw err;
        throw new ModelUnavailableError(entry.id, dir, await missingFiles(dir, entry.files), err.message);
      }
    }
    if (source.kind === 'huggingface') {
      await writeManifest(dir, `${source.repo}@${source.revision}`, expected);
    }
  });
  return dir;
}

export interface FileVerification {
  file: string;
  ok: boolean;
  /** What is wrong, or the checksum that matched. */
  detail: string;
}

/**
 * Re-hashes a model's files against the checksums recorded at download (or, without a record,
 * against the Hub's listing). Bundled models are only checked for presence.
 */
export async function verifyModel(
  id: string,
  options: { settings?: StoreSettings } = {},
): Promise<{ dir: string; files: FileVerification[] }> {
  const settings = options.settings ?? storeSettings();
  const entry = findModel(id);
  if (!entry) throw new UnknownModelError(id);
  const dir = entry.kind === 'vad' ? await vadModelDir(entry, settings) : modelDir(entry, settings);
  if (entry.source.kind === 'bundled') {
    const missing = new Set(await missingFiles(dir, entry.files));
    return {
      dir,
      files: entry.files.map((file) => ({
        file,
        ok: !missing.has(file),
        detail: missing.has(file) ? 'missing' : 'present (bundled, no checksum recorded)',
      })),
    };
  }
  const expected = (await readManifest(dir)) ?? (await fetchChecksumsToVerify(entry, settings, dir));
  const files: FileVerification[] = [];
  const optionalListed = (entry.optionalFiles ?? []).filter((path) => expected.some((f) => f.path === path));
  for (const path of [...entry.files, ...optionalListed]) {
    const want = expected.find((f) => f.path === path);
    const full = join(dir, path);
    const onDisk = await stat(full).catch(() => null);
    if (!want) files.push({ file: path, ok: false, detail: 'no checksum recorded' });
    else if (!onDisk?.isFile()) files.push({ file: path, ok: false, detail: 'missing' });
    else if (want.size >= 0 && onDisk.size !== want.size)
      files.push({ file: path, ok: false, detail: `${onDisk.size} bytes, expected ${want.size}` });
    else {
      const actual = await fileChecksum(full, want.checksum.algorithm);
      files.push(
        actual === want.checksum.value
          ? { file: path, ok: true, detail: describeChecksum(want.checksum) }
          : {
              file: path,
              ok: false,
              detail: `corrupt: expected ${describeChecksum(want.checksum)}, got ${actual}`,
            },
      );
    }
  }
  return { dir, files };
}

/** Checksums for files that were put in place by hand (no manifest): the Hub's listing, if it can be had. */
async function fetchChecksumsToVerify(
  entry: ModelEntry,
  settings: StoreSettings,
  dir: string,
): Promise<RemoteFile[]> {
  try {
    return await expectedFiles(entry, settings, dir);
  } catch (err) {
    if (!(err instanceof ModelUnavailableError)) throw err;
    throw new Error(
      `cannot verify ${entry.id}: no checksums were recorded in ${dir} (its files were not downloaded by earshot) ` +
        `and the Hub's listing is out of reach (${err.reason})`,
    );
  }
}

/** The provided copy beside the repository wins over the cache, so tests and offline machines need no download. */
async function vadModelDir(entry: VadModelEntry, settings: StoreSettings): Promise<string> {
  const provided = join(settings.sharedDir, 'models', entry.id);
  return (await exists(join(provided, entry.file))) ? provided : modelCacheDir(settings, entry.id);
}

/** Path of the Silero VAD model, downloading it into the cache when allowed and not provided. */
export async function resolveVadModel(options: ResolveOptions): Promise<string> {
  const settings = options.settings ?? storeSettings();
  const entry = findModel(VAD_MODEL_ID) as VadModelEntry;
  const dir = await vadModelDir(entry, settings);
  const file = join(dir, entry.file);
  if (await exists(file)) return file;
  if (!options.allowDownload) throw new ModelUnavailableError(entry.id, dir, entry.files);
  if (settings.offline) {
    throw new ModelUnavailableError(entry.id, dir, entry.files, 'HF_HUB_OFFLINE=1 forbids downloads');
  }
  await downloadModel(entry.id, { ...options, settings });
  return file;
}

/** `missing`: a bundled model whose files are not in the checkout. */
export type ModelState = 'available' | 'partial' | 'not downloaded' | 'missing';

export interface ModelStatus {
  id: string;
  description: string;
  kind: ModelEntry['kind'];
  /** Recognizers: how the weights are stored and the devices this variant is made for. */
  precision: Precision | null;
  suits: readonly DeviceKind[];
  source: string;
  state: ModelState;
  dir: string;
  missing: string[];
}

export async function listModels(settings: StoreSettings = storeSettings()): Promise<ModelStatus[]> {
  return Promise.all(
    MODELS.map(async (entry) => {
      const dir = entry.kind === 'vad' ? await vadModelDir(entry, settings) : modelDir(entry, settings);
      const missing = await missingFiles(dir, entry.files);
      const partial = await Promise.all(entry.files.map((f) => exists(join(dir, `${f}.part`))));
      const state: ModelState =
        missing.length === 0
          ? 'available'
          : entry.source.kind === 'bundled'
            ? 'missing'
            : missing.length < entry.files.length || partial.some(Boolean)
              ? 'partial'
              : 'not downloaded';
      const s = entry.source;
      const source = s.kind === 'bundled' ? 'bundled' : s.kind === 'url' ? s.url : `hf:${s.repo}`;
      const asr = entry.kind === 'asr' ? entry : null;
      return {
        id: entry.id,
        description: entry.description,
        kind: entry.kind,
        precision: asr?.precision ?? null,
        suits: asr?.suits ?? [],
        source,
        state,
        dir,
        missing,
      };
    }),
  );
}
