import { captionFrame } from '@earshot/shared';
import { type FrameMediaState, mediaFramesItem } from '../storage-items';

let pending: Promise<unknown> = Promise.resolve();

/** Serialised read-modify-write: frames of one tab report at the same moment. */
function update(change: (frames: Record<string, Record<string, FrameMediaState>>) => void): Promise<void> {
  const run = pending.then(async () => {
    const frames = await mediaFramesItem.getValue();
    change(frames);
    await mediaFramesItem.setValue(frames);
  });
  pending = run.catch(() => undefined);
  return run;
}

export function recordFrameMedia(tabId: number, frameId: number, state: FrameMediaState): Promise<void> {
  return update((frames) => {
    frames[tabId] = { ...frames[tabId], [frameId]: state };
  });
}

/** A frame that loaded a new document (or went away) has no media until it says so again. */
export function forgetFrame(tabId: number, frameId: number): Promise<void> {
  return update((frames) => {
    const tab = frames[tabId];
    if (!tab) return;
    delete tab[frameId];
    if (frameId === 0) delete frames[tabId];
  });
}

export function forgetTabFrames(tabId: number): Promise<void> {
  return update((frames) => {
    delete frames[tabId];
  });
}

/** The frame of a tab that draws its captions (see captionFrame). */
export async function captionFrameOf(tabId: number): Promise<number> {
  await pending;
  return captionFrame((await mediaFramesItem.getValue())[tabId] ?? {});
}
