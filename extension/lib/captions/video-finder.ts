/** The largest `<video>` that is playing and at least partly on screen, if any. */
export function findPlayingVideo(doc: Document): HTMLVideoElement | null {
  let best: HTMLVideoElement | null = null;
  let bestArea = 0;
  for (const video of doc.querySelectorAll('video')) {
    if (video.paused || video.ended || video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA) continue;
    const rect = video.getBoundingClientRect();
    const visibleWidth = Math.min(rect.right, innerWidth) - Math.max(rect.left, 0);
    const visibleHeight = Math.min(rect.bottom, innerHeight) - Math.max(rect.top, 0);
    const area = Math.max(0, visibleWidth) * Math.max(0, visibleHeight);
    if (area > bestArea) {
      best = video;
      bestArea = area;
    }
  }
  return best;
}
