/**
 * The uWebSockets.js build we depend on silently falls back to a slow `ws`-based shim when its
 * native binary cannot load (wrong Node ABI, missing platform build). The native module exports
 * `getParts`; the shim does not. Refusing to start is better than running 10x slower unnoticed.
 */

/** Thrown at startup when uWebSockets.js is not the native build. */
export class TransportUnavailableError extends Error {
  override readonly name = 'TransportUnavailableError';
}

/**
 * Throws {@link TransportUnavailableError} unless `mod` is the native uWebSockets.js module.
 * @param mod the loaded `uWebSockets.js` module object
 */
export function assertNativeUws(mod: unknown): void {
  const candidate = mod as { getParts?: unknown; App?: unknown } | null | undefined;
  if (candidate == null || typeof candidate.App !== 'function') {
    throw new TransportUnavailableError('uWebSockets.js did not load: the module has no App() export.');
  }
  if (typeof candidate.getParts !== 'function') {
    throw new TransportUnavailableError(
      'uWebSockets.js loaded its JavaScript fallback instead of the native binary ' +
        `(Node ${process.version}, ${process.platform}-${process.arch}, ABI ${process.versions.modules}). ` +
        'Switchyard refuses to run on the fallback: use a Node.js version with a prebuilt uWebSockets.js binary ' +
        'and make sure UWS_USE_FALLBACK is not set.',
    );
  }
}
