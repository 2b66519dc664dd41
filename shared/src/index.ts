export * from './caption-languages';
export * from './clean-captions';
export * from './correlation';
export * from './messages';
export * from './protocol';
export * from './status';
export * from './subtitles';
export * from './word-filter';
