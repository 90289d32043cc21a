import { ProtocolError } from '../errors.js';

/** Runs `run` and returns the ProtocolError it throws; fails when it throws nothing or something else. */
export function errorOf(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolError');
}
