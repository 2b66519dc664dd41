import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const exec = promisify(execFile);
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Earshot's image, built from this checkout's Dockerfile. */
export const IMAGE = 'localhost/earshot:test';

// Podman here needs runc (crun refuses the hybrid cgroups) and limits it may not raise: the open-files
// limit this process has, and a process limit below the one runc is allowed to set.
const OPEN_FILES = (await exec('sh', ['-c', 'ulimit -n'])).stdout.trim();
const ULIMITS = [`nofile=${OPEN_FILES}:${OPEN_FILES}`, 'nproc=4096:4096'];
export const PODMAN = ['--runtime', 'runc', ...ULIMITS.flatMap((limit) => ['--ulimit', limit])];

export const podman = (args: string[], env?: NodeJS.ProcessEnv) =>
  exec('podman', args, { cwd: REPO, maxBuffer: 64 * 1024 * 1024, ...(env ? { env } : {}) });

export const imageId = (name: string) =>
  podman(['image', 'inspect', '--format', '{{.Id}}', name]).then(
    (r) => r.stdout.trim(),
    () => undefined,
  );

/**
 * PODMAN's settings as a containers.conf in `dir`, for tools that run podman themselves
 * (podman-compose): podman reads the file CONTAINERS_CONF names instead of the system's. Its path.
 */
export function containersConf(dir: string): string {
  const file = path.join(dir, 'containers.conf');
  const limits = ULIMITS.map((limit) => JSON.stringify(limit)).join(', ');
  writeFileSync(file, `[containers]\ndefault_ulimits = [${limits}]\n\n[engine]\nruntime = "runc"\n`);
  return file;
}

/**
 * Builds IMAGE from this checkout (its base image made from Debian's packages when no registry can be
 * reached). Unchanged layers come from podman's cache, so a second build in the same run takes seconds.
 */
export async function buildEarshotImage(): Promise<void> {
  // The image's FROM, kept between runs.
  await exec('bash', ['deploy/test/debian-base-image.sh'], { cwd: REPO });
  const previous = await imageId(IMAGE);
  // Docker's image format: OCI's has no HEALTHCHECK.
  await podman(['build', ...PODMAN, '--format', 'docker', '--pull=never', '--tag', IMAGE, '.']);
  // Layers the build reused stay cached; the image this build replaced goes.
  if (previous && previous !== (await imageId(IMAGE))) await podman(['rmi', previous]).catch(() => {});
}
