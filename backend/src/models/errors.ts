import { MODELS, OFFLINE_MODEL_ID } from './registry';

/** The id is neither a known model nor a directory. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
  constructor(
    readonly idOrDir: string,
    knownIds: readonly string[] = MODELS.map((m) => m.id),
  ) {
    super(`unknown model "${idOrDir}": not a model id (${knownIds.join(', ')}) nor a model directory`);
  }
}

/** A known model used where a speech recognizer is needed, e.g. `--model silero-vad`. */
export class NotARecognizerError extends Error {
  override name = 'NotARecognizerError';
  constructor(readonly modelId: string) {
    super(
      `${modelId} is a voice activity detector, not a speech recognition model; use one of ${MODELS.filter(
        (m) => m.kind === 'asr',
      )
        .map((m) => m.id)
        .join(', ')}`,
    );
  }
}

/** The model's files are not on disk and could not be downloaded (offline, unreachable, not allowed). */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
  constructor(
    readonly modelId: string,
    readonly dir: string,
    readonly missingFiles: readonly string[],
    readonly reason?: string,
  ) {
    const why = reason ? ` (${reason})` : '';
    super(
      `model ${modelId} is not downloaded${why}: missing ${missingFiles.join(', ')} in ${dir}. ` +
        `Run \`pnpm earshot models download ${modelId}\` on a connected machine (or copy those files into ${dir}); ` +
        `\`--model ${OFFLINE_MODEL_ID}\` works offline.`,
    );
  }
}

/** A directory given as `--model` lacks files the engine needs. */
export class IncompleteModelDirError extends Error {
  override name = 'IncompleteModelDirError';
  constructor(
    readonly dir: string,
    readonly missing: readonly string[],
  ) {
    super(`model directory ${dir} is incomplete: missing ${missing.join(', ')}`);
  }
}

/** A downloaded or stored file's bytes differ from what the source lists. */
export class ChecksumMismatchError extends Error {
  override name = 'ChecksumMismatchError';
}

/** The server answered, but not with the file (404, 401, 5xx after retries...). */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}
