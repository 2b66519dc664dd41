import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** An ONNX model of one Add node, y = x + x over float[4]: enough to get an adapter, compile a shader and run it. */
const PROBE_MODEL =
  'CAgSADo5Cg4KAXgKAXgSAXkiA0FkZBIFcHJvYmVaDwoBeBIKCggIARIECgIIBGIPCgF5EgoKCAgBEgQKAggEQgQKABAR';

// Runs in a child process, so that Dawn's and the Vulkan loader's own stderr lines stay out of the
// user's terminal and tell us why no adapter could be had.
const PROBE_SCRIPT = `
const ort = require(process.env.EARSHOT_ORT_PATH);
const fs = require('node:fs');
const say = (result) => process.stdout.write(JSON.stringify(result));
// GPU device files the Vulkan drivers opened for the adapter (null where /proc does not exist).
const deviceFiles = () => {
  try {
    return fs.readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        const target = fs.readlinkSync('/proc/self/fd/' + fd);
        return /^[/]dev[/](dri[/]|nvidia[0-9])/.test(target) ? [target] : [];
      } catch { return []; }
    });
  } catch { return null; }
};
if (!ort.listSupportedBackends().some((b) => b.name === 'webgpu')) {
  say({ ok: false, error: 'this onnxruntime-node build has no WebGPU provider on ' + process.platform + '/' + process.arch });
} else {
  (async () => {
    const session = await ort.InferenceSession.create(Buffer.from(process.env.EARSHOT_PROBE_MODEL, 'base64'), {
      executionProviders: ['webgpu'],
      logSeverityLevel: 3,
    });
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4), [4]) });
    const files = deviceFiles();
    await session.release();
    const sums = Array.from(out.y.data).join(',');
    say(sums === '2,4,6,8' ? { ok: true, deviceFiles: files } : { ok: false, error: 'the adapter computed 1+1.. 4+4 as ' + sums });
  })().catch((e) => say({ ok: false, error: String((e && e.message) || e) }));
}
`;

const PROBE_TIMEOUT_MS = 60_000;

export type WebGpuProbe =
  | {
      available: true;
      /**
       * No GPU device file was opened to get the adapter: it is a rasterizer on the CPU (Mesa's
       * lavapipe), which computes correctly but more slowly than the CPU provider itself.
       */
      software: boolean;
    }
  | { available: false; reason: string };

let probed: WebGpuProbe | undefined;

/**
 * Whether ONNX Runtime's WebGPU provider gets an adapter here and computes on it, tried in a child
 * process (about a second). The answer for the process's own environment is kept; the Vulkan
 * drivers a machine has do not change while it runs.
 */
export function probeWebGpu(env: NodeJS.ProcessEnv = process.env): WebGpuProbe {
  if (env === process.env && probed) return probed;
  const run = spawnSync(process.execPath, ['-e', PROBE_SCRIPT], {
    env: {
      ...env,
      EARSHOT_ORT_PATH: createRequire(import.meta.url).resolve('onnxruntime-node'),
      EARSHOT_PROBE_MODEL: PROBE_MODEL,
    },
    encoding: 'utf8',
    timeout: PROBE_TIMEOUT_MS,
  });
  const result = probeResult(run.stdout, run.stderr, run.error);
  if (env === process.env) probed = result;
  return result;
}

function probeResult(stdout: string, stderr: string, error: Error | undefined): WebGpuProbe {
  if (error) {
    const timedOut = (error as NodeJS.ErrnoException).code === 'ETIMEDOUT';
    return {
      available: false,
      reason: timedOut
        ? `the WebGPU check did not finish within ${PROBE_TIMEOUT_MS / 1000} s`
        : `the WebGPU check could not run (${error.message})`,
    };
  }
  let parsed: { ok: boolean; error?: string; deviceFiles?: string[] | null } | undefined;
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    parsed = undefined;
  }
  if (parsed?.ok) return { available: true, software: parsed.deviceFiles?.length === 0 };
  return { available: false, reason: unavailableReason(parsed?.error, stderr) };
}

/** One readable clause from ONNX Runtime's error and what the Vulkan loader and Dawn printed. */
export function unavailableReason(error: string | undefined, stderr: string): string {
  const dawn = /Failed to get a WebGPU (adapter|device): ([^\n]*)/.exec(error ?? '');
  const said = dawn
    ? `no WebGPU ${dawn[1]} (${dawn[2]?.trim() || 'no reason given'})`
    : (error?.split('\n')[0]?.trim() ??
      `the WebGPU check crashed (${stderr.trim().split('\n').at(-1) || 'without a message'})`);
  const loader = loaderHint(stderr);
  return loader ? `${said}: ${loader}` : said;
}

function loaderHint(stderr: string): string | undefined {
  if (/ArrayDynamicIndexing|shaderUniform|required feature|is not supported by the adapter/i.test(stderr))
    return 'the Vulkan driver lacks features Dawn requires (Mesa 22, as in Debian 12, is refused)';
  if (/Found no drivers/i.test(stderr))
    return 'the Vulkan loader found no driver (see VK_DRIVER_FILES / VK_ICD_FILENAMES and /usr/share/vulkan/icd.d)';
  if (/Failed to detect any valid GPUs/i.test(stderr)) return 'no Vulkan driver found a device it can run';
  if (/libvulkan|vulkan-1|Couldn't load Vulkan|Failed to load Vulkan/i.test(stderr))
    return 'the Vulkan loader (libvulkan.so.1) could not be loaded';
  return undefined;
}

/** The graphics API Dawn runs WebGPU on for this platform in ONNX Runtime's builds. */
export function webGpuBackend(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return 'd3d12';
  if (platform === 'darwin') return 'metal';
  return 'vulkan';
}
