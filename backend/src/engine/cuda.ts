import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { onnxRuntimePackageDir } from './locations.js';

/** Libraries ONNX Runtime loads for the CUDA execution provider; not part of the npm package. */
export const CUDA_PROVIDER_LIBRARIES = [
  'libonnxruntime_providers_shared.so',
  'libonnxruntime_providers_cuda.so',
] as const;

/** Where onnxruntime-node looks for its native libraries on this platform. */
export function onnxRuntimeBinaryDir(): string {
  return path.join(onnxRuntimePackageDir(), 'bin', 'napi-v6', process.platform, process.arch);
}

/** CUDA provider libraries absent from `dir`; empty when the CUDA EP can at least be loaded. */
export function missingCudaProviderLibraries(dir: string = onnxRuntimeBinaryDir()): string[] {
  if (process.platform !== 'linux' || process.arch !== 'x64') return [...CUDA_PROVIDER_LIBRARIES];
  return CUDA_PROVIDER_LIBRARIES.filter((name) => !existsSync(path.join(dir, name)));
}

/** The command `installCudaProviders` runs: onnxruntime-node's own installer, CUDA 12 flavour. */
export function cudaInstallCommand(): { command: string; args: string[]; cwd: string } {
  const packageDir = onnxRuntimePackageDir();
  return {
    command: process.execPath,
    args: [path.join(packageDir, 'script', 'install.js'), '--onnxruntime-node-install=cuda12'],
    cwd: packageDir,
  };
}

export interface CudaInstallResult {
  ok: boolean;
  exitCode: number | null;
  /** One readable line: what happened and, on failure, what is still missing. */
  message: string;
  /** Everything the installer printed. */
  output: string;
}

/**
 * Downloads ONNX Runtime's CUDA 12 provider libraries into the onnxruntime-node package (the
 * download `pnpm install` is configured to skip). Success means the installer exited 0 AND the
 * libraries are now on disk.
 */
export function installCudaProviders(
  options: { onOutput?: (text: string) => void } = {},
): Promise<CudaInstallResult> {
  const { command, args, cwd } = cudaInstallCommand();
  // Install settings inherited from the environment would override the command-line flag
  // (e.g. ONNXRUNTIME_NODE_INSTALL=skip makes the installer exit 0 without downloading).
  const env = { ...process.env };
  for (const name of [
    'ONNXRUNTIME_NODE_INSTALL',
    'ONNXRUNTIME_NODE_INSTALL_CUDA',
    'npm_config_onnxruntime_node_install',
    'npm_config_onnxruntime_node_install_cuda',
  ]) {
    delete env[name];
  }
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const collect = (chunk: Buffer) => {
      const text = chunk.toString();
      output += text;
      options.onOutput?.(text);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      resolve({
        ok: false,
        exitCode: null,
        message: `Could not start the ONNX Runtime installer: ${error.message}`,
        output,
      });
    });
    child.on('close', (exitCode) => {
      const missing = missingCudaProviderLibraries();
      if (exitCode === 0 && missing.length === 0) {
        resolve({
          ok: true,
          exitCode,
          message: `CUDA provider libraries installed in ${onnxRuntimeBinaryDir()}`,
          output,
        });
        return;
      }
      const lastLine = output.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
      resolve({
        ok: false,
        exitCode,
        message: `CUDA provider install failed (exit code ${exitCode}; still missing: ${missing.join(', ') || 'none'}): ${lastLine}`,
        output,
      });
    });
  });
}
