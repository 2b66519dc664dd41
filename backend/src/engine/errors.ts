/** Errors the engine raises for conditions a user can act on; `code` is stable for HTTP/CLI mapping. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The device string is not one of cpu, auto, cuda, cuda:N, webgpu. */
export class InvalidDeviceError extends EngineError {
  constructor(request: string, reason?: string) {
    super(
      'invalid_device',
      reason
        ? `Unknown device "${request}": ${reason}.`
        : `Unknown device "${request}": use cpu, auto, cuda, cuda:N (N = GPU index) or webgpu.`,
    );
  }
}

/** CUDA was asked for explicitly and cannot be used; never answered by a silent CPU fallback. */
export class CudaUnavailableError extends EngineError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      'cuda_unavailable',
      `CUDA requested but unavailable: ${reason}. Run \`pnpm earshot gpu setup\` to install ONNX Runtime's CUDA 12 provider libraries (needs an NVIDIA driver and CUDA 12), or start with --device cpu.`,
      options,
    );
  }
}

/** What a machine needs for the WebGPU provider: a Vulkan loader and a driver Dawn accepts. */
export const WEBGPU_INSTALL_HINT =
  "Install the Vulkan loader and your GPU's Vulkan driver (Debian/Ubuntu: libvulkan1 with mesa-vulkan-drivers for AMD and Intel, or NVIDIA's driver; on Debian 12 take mesa-vulkan-drivers from bookworm-backports, since Dawn refuses Mesa 22)";

/**
 * WebGPU was asked for explicitly and no adapter could be had (no Vulkan loader or driver, or one
 * Dawn refuses); never answered by a silent CPU fallback.
 */
export class WebGpuUnavailableError extends EngineError {
  constructor(reason: string, options?: { cause?: unknown }) {
    super(
      'webgpu_unavailable',
      `WebGPU requested but unavailable: ${reason}. ${WEBGPU_INSTALL_HINT}, or start with --device cpu.`,
      options,
    );
  }
}

/** The model directory is missing a file or holds something the engine cannot use. */
export class ModelLoadError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('model_invalid', message, options);
  }
}

/** Audio handed to a stream or VAD that cannot be recognized (wrong type, NaN/Infinity samples). */
export class InvalidAudioError extends EngineError {
  constructor(message: string) {
    super('invalid_audio', message);
  }
}
