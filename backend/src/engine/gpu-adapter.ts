import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** The GPU a provider computes on, as /health and /status report it. */
export interface GpuAdapter {
  name: string;
  vendor: string;
  /** The API underneath: vulkan (WebGPU on Linux), metal, d3d12, or cuda. */
  backend: string;
  /** The driver behind it: amdgpu, i915, xe, nvidia, lavapipe, … (null when not known). */
  driver: string | null;
  /** A rasterizer on the CPU (Mesa's lavapipe): it computes correctly, but slower than the CPU provider. */
  software: boolean;
}

export interface AdapterReport {
  adapter: GpuAdapter;
  /** GPU memory the process holds on the adapter; null where the platform does not expose it. */
  memoryUsedBytes(): Promise<number | null>;
  /** The adapter's own memory (VRAM); null where the platform does not expose it. */
  memoryTotalBytes(): Promise<number | null>;
}

/** Where the adapter is read from; tests point these at a prepared folder. */
export interface AdapterSources {
  /** This process's /proc entry. */
  proc: string;
  sys: string;
  env: NodeJS.ProcessEnv;
  pid: number;
}

const LIVE: AdapterSources = { proc: '/proc/self', sys: '/sys', env: process.env, pid: process.pid };

const PCI_VENDORS: Record<string, string> = {
  '0x1002': 'AMD',
  '0x10de': 'NVIDIA',
  '0x8086': 'Intel',
  '0x1af4': 'virtio',
  '0x5143': 'Qualcomm',
  '0x106b': 'Apple',
  '0x13b5': 'Arm',
};

const PCI_IDS_FILES = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids'];

/**
 * The adapter the WebGPU provider took, read after its sessions exist. ONNX Runtime's Node API does
 * not say which adapter Dawn picked, so this looks at what the process has open: the DRM device
 * holding its buffers (the kernel's per-client memory counters in /proc/self/fdinfo), an NVIDIA
 * device node, or, with neither, the software driver among the Vulkan drivers installed.
 */
export function webGpuAdapter(backend: string, sources: AdapterSources = LIVE): AdapterReport {
  if (process.platform !== 'linux' && sources === LIVE) {
    return {
      adapter: {
        name: 'not read on this platform',
        vendor: 'unknown',
        backend,
        driver: null,
        software: false,
      },
      memoryUsedBytes: async () => null,
      memoryTotalBytes: async () => null,
    };
  }
  const open = openDevices(sources);
  const drm = drmInUse(open.drm);
  if (drm.length > 0) {
    const names = drm.map((device) => pciName(device.pdev, sources.sys));
    const [first] = names;
    return {
      adapter: {
        // Without the kernel's memory counters two open GPUs cannot be told apart: name both.
        name: names.length === 1 ? (first?.name ?? '') : `one of ${names.map((n) => n.name).join(', ')}`,
        vendor: [...new Set(names.map((n) => n.vendor))].join(' or '),
        backend,
        driver: [...new Set(drm.map((d) => d.driver ?? 'unknown'))].join(' or '),
        software: false,
      },
      memoryUsedBytes: async () =>
        drm.length === 1 && drm[0]?.counted ? drmDeviceMemory(openDevices(sources).drm, drm[0].pdev) : null,
      memoryTotalBytes: async () => (drm.length === 1 && drm[0] ? vramTotal(drm[0].pdev, sources.sys) : null),
    };
  }
  if (open.nvidia > 0) return nvidiaAdapter(backend, sources.pid);
  const software = softwareDriver(sources.env);
  return {
    adapter: {
      name: software?.name ?? 'a software Vulkan device',
      vendor: software?.vendor ?? 'unknown',
      backend,
      driver: software?.driver ?? null,
      software: true,
    },
    // Its buffers are ordinary process memory, counted in the process's resident size.
    memoryUsedBytes: async () => null,
    memoryTotalBytes: async () => null,
  };
}

/** The NVIDIA GPU CUDA runs on, by nvidia-smi (shipped with the driver), when present. */
export function cudaAdapter(deviceId: number, pid: number = process.pid): AdapterReport {
  const named = nvidiaSmi(['--query-gpu=name', '--format=csv,noheader', `--id=${deviceId}`]);
  return {
    adapter: {
      name: named?.trim() || `CUDA device ${deviceId}`,
      vendor: 'NVIDIA',
      backend: 'cuda',
      driver: 'nvidia',
      software: false,
    },
    memoryUsedBytes: () => nvidiaProcessMemory(pid),
    memoryTotalBytes: async () => nvidiaTotalMemory([`--id=${deviceId}`]),
  };
}

interface DrmClient {
  pdev: string;
  driver: string | null;
  clientId: string;
  memory: number;
  counted: boolean;
}

function openDevices(sources: AdapterSources): { drm: DrmClient[]; nvidia: number } {
  const drm: DrmClient[] = [];
  let nvidia = 0;
  let fds: string[] = [];
  try {
    fds = readdirSync(path.join(sources.proc, 'fd'));
  } catch {
    return { drm, nvidia };
  }
  for (const fd of fds) {
    let target: string;
    try {
      target = readlinkSync(path.join(sources.proc, 'fd', fd));
    } catch {
      continue;
    }
    if (/^\/dev\/nvidia\d+$/.test(target)) nvidia += 1;
    if (!/^\/dev\/dri\/(renderD|card)\d+$/.test(target)) continue;
    const info = readKeyValues(path.join(sources.proc, 'fdinfo', fd));
    const pdev = info.get('drm-pdev');
    if (!pdev) continue;
    drm.push({
      pdev,
      driver: info.get('drm-driver') ?? null,
      clientId: info.get('drm-client-id') ?? `fd${fd}`,
      memory: clientMemory(info),
      counted: [...info.keys()].some((key) => /^drm-(memory|total|resident)-/.test(key)),
    });
  }
  return { drm, nvidia };
}

interface DrmDevice {
  pdev: string;
  driver: string | null;
  memory: number;
  /** Whether the kernel reports this device's memory per client (drm-usage-stats). */
  counted: boolean;
}

/**
 * The DRM device holding the process's buffers: the one with the most memory when the kernel counts
 * it; the open devices when it does not; none when every open device is counted and holds nothing
 * (a GPU driver enumerated its device, but the adapter taken is another).
 */
function drmInUse(clients: DrmClient[]): DrmDevice[] {
  const byDevice = new Map<string, DrmDevice>();
  for (const client of clients) {
    const device = byDevice.get(client.pdev) ?? {
      pdev: client.pdev,
      driver: client.driver,
      memory: 0,
      counted: false,
    };
    device.memory = drmDeviceMemory(clients, client.pdev);
    device.counted ||= client.counted;
    byDevice.set(client.pdev, device);
  }
  const devices = [...byDevice.values()];
  const holding = devices.filter((d) => d.memory > 0).sort((a, b) => b.memory - a.memory);
  if (holding[0]) return [holding[0]];
  return devices.filter((d) => !d.counted);
}

function drmDeviceMemory(clients: DrmClient[], pdev: string): number {
  const counted = new Map<string, number>();
  for (const client of clients) if (client.pdev === pdev) counted.set(client.clientId, client.memory);
  return [...counted.values()].reduce((sum, n) => sum + n, 0);
}

/**
 * Bytes one DRM client holds, from the kernel's drm-usage-stats keys: per region the resident
 * size (or the older drm-memory-, or drm-total-); device-local regions (vram, local0) when the GPU
 * has them, otherwise the system memory an integrated GPU computes in.
 */
export function clientMemory(info: Map<string, string>): number {
  const regions = new Map<string, number>();
  for (const kind of ['total', 'memory', 'resident']) {
    for (const [key, value] of info) {
      const match = new RegExp(`^drm-${kind}-(.+)$`).exec(key);
      if (match?.[1]) regions.set(match[1], parseBytes(value));
    }
  }
  const local = [...regions].filter(([region]) => /^(vram|local\d*)$/.test(region));
  const counted = local.length > 0 ? local : [...regions].filter(([region]) => region !== 'cpu');
  return counted.reduce((sum, [, bytes]) => sum + bytes, 0);
}

function parseBytes(value: string): number {
  const match = /^(\d+)\s*(KiB|MiB|GiB)?$/.exec(value.trim());
  if (!match) return 0;
  const scale = { KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * scale;
}

function readKeyValues(file: string): Map<string, string> {
  const values = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return values;
  }
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) values.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return values;
}

function pciName(pdev: string, sys: string): { name: string; vendor: string } {
  const dir = path.join(sys, 'bus', 'pci', 'devices', pdev);
  const read = (file: string) => {
    try {
      return readFileSync(path.join(dir, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const vendorId = read('vendor')?.toLowerCase() ?? '';
  const deviceId = read('device')?.toLowerCase() ?? '';
  const listed = pciIdsName(vendorId, deviceId);
  const vendor = PCI_VENDORS[vendorId] ?? listed.vendor ?? (vendorId || 'unknown');
  const name = read('product_name') || listed.device || `${vendor} GPU ${deviceId || pdev}`;
  return { name, vendor };
}

/** Names from the pci.ids list (Debian's pci.ids package, hwdata elsewhere) when installed. */
function pciIdsName(vendorId: string, deviceId: string): { vendor?: string; device?: string } {
  const file = PCI_IDS_FILES.find((f) => existsSync(f));
  if (!file || !vendorId) return {};
  const vendorHex = vendorId.replace(/^0x/, '');
  const deviceHex = deviceId.replace(/^0x/, '');
  const out: { vendor?: string; device?: string } = {};
  let inVendor = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    if (!line.startsWith('\t')) {
      if (inVendor) break;
      inVendor = line.startsWith(`${vendorHex} `);
      if (inVendor) out.vendor = line.slice(vendorHex.length).trim();
    } else if (inVendor && !line.startsWith('\t\t') && line.startsWith(`\t${deviceHex} `)) {
      out.device = line.slice(deviceHex.length + 1).trim();
      break;
    }
  }
  return out;
}

function nvidiaAdapter(backend: string, pid: number): AdapterReport {
  const names = nvidiaSmi(['--query-gpu=name', '--format=csv,noheader'])
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return {
    adapter: {
      name:
        names?.length === 1
          ? (names[0] as string)
          : names?.length
            ? `one of ${names.join(', ')}`
            : 'NVIDIA GPU',
      vendor: 'NVIDIA',
      backend,
      driver: 'nvidia',
      software: false,
    },
    memoryUsedBytes: () => nvidiaProcessMemory(pid),
    // With several GPUs the one Dawn took is not known.
    memoryTotalBytes: async () => (names?.length === 1 ? nvidiaTotalMemory([]) : null),
  };
}

function nvidiaTotalMemory(select: string[]): number | null {
  const mib = Number(nvidiaSmi(['--query-gpu=memory.total', '--format=csv,noheader,nounits', ...select]));
  return Number.isFinite(mib) && mib > 0 ? mib * 1024 * 1024 : null;
}

/** A DRM device's own memory, where its kernel driver lists it (amdgpu's mem_info_vram_total). */
function vramTotal(pdev: string, sys: string): number | null {
  try {
    const bytes = Number(
      readFileSync(path.join(sys, 'bus', 'pci', 'devices', pdev, 'mem_info_vram_total'), 'utf8'),
    );
    return Number.isFinite(bytes) && bytes > 0 ? bytes : null;
  } catch {
    return null;
  }
}

function nvidiaSmi(args: string[]): string | undefined {
  const run = spawnSync('nvidia-smi', args, { encoding: 'utf8', timeout: 5000 });
  return run.status === 0 ? run.stdout : undefined;
}

async function nvidiaProcessMemory(pid: number): Promise<number | null> {
  try {
    const { stdout } = await promisify(execFile)(
      'nvidia-smi',
      ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'],
      { timeout: 5000 },
    );
    const mib = stdout
      .split('\n')
      .map((line) => line.split(',').map((s) => s.trim()))
      .filter(([p]) => Number(p) === pid)
      .reduce((sum, [, used]) => sum + Number(used ?? 0), 0);
    return mib > 0 ? mib * 1024 * 1024 : null;
  } catch {
    return null;
  }
}

/** Software Vulkan drivers Dawn falls back to when no GPU driver offers a device. */
const SOFTWARE_DRIVERS: { library: RegExp; name: string; vendor: string; driver: string }[] = [
  {
    library: /libvulkan_lvp/,
    name: 'llvmpipe (Mesa lavapipe)',
    vendor: 'Mesa',
    driver: 'lavapipe',
  },
  {
    library: /swiftshader/i,
    name: 'SwiftShader',
    vendor: 'Google',
    driver: 'swiftshader',
  },
];

function softwareDriver(env: NodeJS.ProcessEnv): (typeof SOFTWARE_DRIVERS)[number] | undefined {
  const libraries = vulkanDriverManifests(env).map((file) => {
    try {
      return (
        (JSON.parse(readFileSync(file, 'utf8')) as { ICD?: { library_path?: string } }).ICD?.library_path ??
        ''
      );
    } catch {
      return '';
    }
  });
  return SOFTWARE_DRIVERS.find((driver) => libraries.some((library) => driver.library.test(library)));
}

/** The Vulkan driver manifests the loader reads: the ones named in the environment, else its folders. */
function vulkanDriverManifests(env: NodeJS.ProcessEnv): string[] {
  const named = (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES)?.split(':').filter(Boolean);
  if (named) return named;
  const dataDirs = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  const dirs = ['/etc/vulkan/icd.d', ...dataDirs.map((d) => path.join(d, 'vulkan', 'icd.d'))];
  return dirs.flatMap((dir) => {
    try {
      return readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => path.join(dir, f));
    } catch {
      return [];
    }
  });
}
