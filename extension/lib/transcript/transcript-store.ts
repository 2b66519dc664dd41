import type { TranscriptCue, Word } from '@earshot/shared';
import { mergeHeardBlockedWords } from './heard-blocked-words';
import { mergeCues } from './transcript-cues';

/** Videos whose transcripts are kept; the least recently updated ones go first. */
const MAX_VIDEOS = 200;
const DB_NAME = 'earshot-transcripts';
const STORE = 'videos';

export interface VideoTranscript {
  videoKey: string;
  title: string;
  updatedAtMs: number;
  cues: TranscriptCue[];
  /** Absent from records stored before blocked words heard live were kept. */
  heardBlockedWords?: Word[];
}

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let opening: Promise<IDBDatabase> | undefined;

function database(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const open = indexedDB.open(DB_NAME, 1);
    open.onupgradeneeded = () => {
      const store = open.result.createObjectStore(STORE, { keyPath: 'videoKey' });
      store.createIndex('updatedAtMs', 'updatedAtMs');
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  }).catch((error: unknown) => {
    opening = undefined;
    throw error;
  });
  return opening;
}

/**
 * Per-video transcripts in media time, in the extension's own IndexedDB (pages cannot read it),
 * so a rewatch of a video is filtered ahead of time and its transcript can be exported.
 */
export async function getTranscript(videoKey: string): Promise<VideoTranscript | undefined> {
  const db = await database();
  return request<VideoTranscript | undefined>(db.transaction(STORE).objectStore(STORE).get(videoKey));
}

export async function addToTranscript(
  videoKey: string,
  title: string,
  cues: readonly TranscriptCue[],
  heardBlockedWords: readonly Word[] = [],
): Promise<void> {
  if (cues.length === 0 && heardBlockedWords.length === 0) return;
  const db = await database();
  const tx = db.transaction(STORE, 'readwrite');
  const store = tx.objectStore(STORE);
  const existing = await request<VideoTranscript | undefined>(store.get(videoKey));
  const record: VideoTranscript = {
    videoKey,
    title: title || existing?.title || '',
    updatedAtMs: Date.now(),
    cues: mergeCues(existing?.cues ?? [], cues),
    heardBlockedWords: mergeHeardBlockedWords(existing?.heardBlockedWords ?? [], heardBlockedWords),
  };
  store.put(record);
  const count = await request(store.count());
  if (count > MAX_VIDEOS) {
    const oldest = await request(store.index('updatedAtMs').getAllKeys(null, count - MAX_VIDEOS));
    for (const key of oldest) store.delete(key);
  }
  await new Promise<void>((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}
