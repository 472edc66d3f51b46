/** @mesh/platform: process-level conventions shared by every app (flags, and later logging and metrics). */
export * from './flags';
export * from './version';
