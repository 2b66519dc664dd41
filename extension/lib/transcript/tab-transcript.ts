import { captionFrame, type VideoIdentity, VideoIdentitySchema, type WordFilter } from '@earshot/shared';
import { browser } from '#imports';
import { readCaptionStyle } from '../captions/caption-style';
import { captionStyleItem, mediaFramesItem } from '../storage-items';
import { exportFileName, exportTranscript, FORMAT_TYPES, type TranscriptFormat } from './transcript-export';
import type { VideoTranscript } from './transcript-store';

/** The frame of a tab whose media the captions are for (see captionFrame). */
export async function mediaFrameOf(tabId: number): Promise<number> {
  return captionFrame((await mediaFramesItem.getValue())[tabId] ?? {});
}

/** Which video the tab plays, asked of the frame that plays it; undefined when none. */
export async function videoIdentityOf(tabId: number): Promise<VideoIdentity | undefined> {
  const frameId = await mediaFrameOf(tabId);
  const answer = await browser.tabs
    .sendMessage(tabId, { type: 'earshot/video-identity' }, { frameId })
    .catch(() => null);
  const identity = VideoIdentitySchema.safeParse(answer);
  return identity.success ? identity.data : undefined;
}

/** Saves a video's transcript as a file in the user's text mode; returns the file name. */
export async function downloadTranscript(
  transcript: VideoTranscript,
  format: TranscriptFormat,
  filter: WordFilter | undefined,
): Promise<string> {
  const { textMode } = readCaptionStyle(await captionStyleItem.getValue());
  const text = exportTranscript(transcript.cues, format, filter, textMode);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(new Blob([text], { type: FORMAT_TYPES[format] }));
  link.download = exportFileName(transcript.title, format);
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return link.download;
}
