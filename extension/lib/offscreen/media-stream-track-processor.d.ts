// Chromium exposes MediaStreamTrackProcessor to windows as well as workers; TypeScript's DOM
// library does not declare it yet.
declare class MediaStreamTrackProcessor<T = AudioData> {
  constructor(init: { track: MediaStreamTrack; maxBufferSize?: number });
  readonly readable: ReadableStream<T>;
}
