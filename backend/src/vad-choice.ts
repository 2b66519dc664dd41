import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ModelLoadError, SileroVad } from './engine';
import {
  findModel,
  ModelUnavailableError,
  resolveVadModel,
  streamProgress,
  VAD_MODEL_ID,
  type VadModelEntry,
} from './models';

/**
 * Loads Silero VAD as a `--vad` choice says: `off`, the model id, or a directory or file holding
 * `silero_vad.onnx`. Unset, Silero comes from the model store (one download attempt), and a missing
 * model only turns detection off; an explicit choice that cannot be loaded is an error. Off is said
 * loudly on stderr, with `withoutIt`: what the user loses.
 */
export async function loadVadChoice(
  choice: string | undefined,
  withoutIt: string,
): Promise<SileroVad | null> {
  const off = (reason: string) => {
    process.stderr.write(
      `earshot: WARNING: voice activity detection is off: ${reason}. ${withoutIt} Get Silero VAD with ` +
        `\`pnpm earshot models download ${VAD_MODEL_ID}\`, or pass --vad <dir>.\n`,
    );
    return null;
  };
  if (choice === 'off') return off('--vad off was given');
  if (choice !== undefined && choice !== VAD_MODEL_ID) return SileroVad.load(await vadFile(choice));
  let file: string;
  try {
    // One attempt: everything still works without the detector, so a dead network should not hold it up.
    file = await resolveVadModel({
      allowDownload: true,
      retries: 0,
      progress: streamProgress(process.stderr),
    });
  } catch (error) {
    if (choice === undefined && error instanceof ModelUnavailableError) {
      const why = error.reason ? `, and it cannot be downloaded now (${error.reason})` : '';
      return off(`${error.missingFiles.join(', ')} is not in ${error.dir}${why}`);
    }
    throw error;
  }
  try {
    return await SileroVad.load(file);
  } catch (error) {
    if (choice === undefined && error instanceof ModelLoadError) return off(error.message);
    throw error;
  }
}

/** A directory is expected to hold the model under its usual file name. */
async function vadFile(dirOrFile: string): Promise<string> {
  const isDir = (await stat(dirOrFile).catch(() => null))?.isDirectory() ?? false;
  const entry = findModel(VAD_MODEL_ID) as VadModelEntry;
  return isDir ? path.join(dirOrFile, entry.file) : dirOrFile;
}
