export * from './protocol';
export * from './messages';
