export * from './version.js';
export * from './error-codes.js';
export * from './close-codes.js';
export * from './errors.js';
export type * from './envelope.js';
export { ENVELOPE_TYPES } from './envelope.js';
export type * from './contract.js';
export type * from './codec.js';
