import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const engineDir = path.dirname(fileURLToPath(import.meta.url));

/** Root of the Earshot checkout (backend/src/engine → three levels up). */
export const REPO_ROOT = path.resolve(engineDir, '..', '..', '..');

/**
 * NeMo's 128-mel preprocessor as ONNX, shipped with the bundled tiny-en model. Public Parakeet ONNX
 * repositories on Hugging Face do not always include `nemo128.onnx`; their encoders expect exactly
 * these features, so the bundled copy stands in for it.
 */
export const BUNDLED_NEMO128_PREPROCESSOR = path.join(
  REPO_ROOT,
  'backend',
  'models',
  'tiny-en',
  'nemo128.onnx',
);

/** Folder with provided models outside the repo: `EARSHOT_SHARED_DIR`, else `shared/` beside the repo. */
export function sharedDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.EARSHOT_SHARED_DIR?.trim();
  return configured ? path.resolve(configured) : path.resolve(REPO_ROOT, '..', 'shared');
}

/** Installed onnxruntime-node package folder (holds `script/install.js` and the native binaries). */
export function onnxRuntimePackageDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('onnxruntime-node/package.json'));
}
