export * from './messages';
export * from './protocol';
export * from './subtitles';
