export * from './default-words';
export * from './mask-segments';
export * from './settings';
export * from './word-entry';
export * from './word-filter';
