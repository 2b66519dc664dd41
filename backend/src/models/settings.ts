import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO_ROOT, sharedDir } from '../engine/locations';

/** Where models live and how the Hugging Face Hub is reached, read from the environment. */
export interface StoreSettings {
  /** Root of Earshot's cache; downloaded models go to `<cacheDir>/models/<id>/`. */
  cacheDir: string;
  /** Hugging Face endpoint, without a trailing slash. */
  endpoint: string;
  token?: string;
  /** `HF_HUB_OFFLINE=1`: never touch the network. */
  offline: boolean;
  /** Data provided beside the repository (Silero VAD, tokenizers). */
  sharedDir: string;
}

export const BUNDLED_MODELS_DIR = join(REPO_ROOT, 'backend', 'models');

function truthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

export function storeSettings(env: NodeJS.ProcessEnv = process.env): StoreSettings {
  const cacheDir = env.EARSHOT_CACHE_DIR
    ? resolve(env.EARSHOT_CACHE_DIR)
    : env.XDG_CACHE_HOME
      ? join(resolve(env.XDG_CACHE_HOME), 'earshot')
      : join(homedir(), '.cache', 'earshot');
  const token = env.HF_TOKEN?.trim();
  return {
    cacheDir,
    endpoint: (env.HF_ENDPOINT?.trim() || 'https://huggingface.co').replace(/\/+$/, ''),
    ...(token ? { token } : {}),
    offline: truthy(env.HF_HUB_OFFLINE),
    sharedDir: sharedDir(env),
  };
}

export function modelCacheDir(settings: StoreSettings, id: string): string {
  return join(settings.cacheDir, 'models', id);
}

/** Usage per API key, kept beside the models so it survives restarts (see docs/server-api-keys.md). */
export function usageFile(settings: StoreSettings): string {
  return join(settings.cacheDir, 'usage.json');
}
