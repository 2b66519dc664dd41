import type { Checksum } from './checksum';
import { DownloadError } from './errors';
import { httpGet, httpStatusError } from './http';
import type { StoreSettings } from './settings';

export interface RemoteFile {
  path: string;
  size: number;
  checksum: Checksum;
}

interface TreeEntry {
  type: string;
  path: string;
  size: number;
  oid: string;
  lfs?: { oid: string; size: number };
}

function isTreeEntry(value: unknown): value is TreeEntry {
  const v = value as TreeEntry;
  return typeof v?.type === 'string' && typeof v.path === 'string' && typeof v.oid === 'string';
}

function nextPage(link: string | null): string | undefined {
  return link?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
}

/** Every file of a Hub model repository at a revision, with the checksum the Hub records for it. */
export async function listRepoFiles(
  settings: StoreSettings,
  repo: string,
  revision: string,
): Promise<RemoteFile[]> {
  const files: RemoteFile[] = [];
  let url: string | undefined =
    `${settings.endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
  while (url) {
    const response = await httpGet(url, {
      headers: { accept: 'application/json' },
      ...(settings.token ? { token: settings.token } : {}),
    });
    if (!response.ok) throw httpStatusError(url, response);
    const body: unknown = await response.json().catch(() => null);
    if (!Array.isArray(body) || !body.every(isTreeEntry)) {
      throw new DownloadError(`${url} did not answer with a file listing`, false);
    }
    for (const entry of body) {
      if (entry.type !== 'file') continue;
      files.push(
        entry.lfs
          ? {
              path: entry.path,
              size: entry.lfs.size,
              checksum: { algorithm: 'sha256', value: entry.lfs.oid },
            }
          : { path: entry.path, size: entry.size, checksum: { algorithm: 'git-sha1', value: entry.oid } },
      );
    }
    url = nextPage(response.headers.get('link'));
  }
  return files;
}

export function resolveUrl(settings: StoreSettings, repo: string, revision: string, path: string): string {
  const encodedPath = path.split('/').map(encodeURIComponent).join('/');
  return `${settings.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodedPath}`;
}
