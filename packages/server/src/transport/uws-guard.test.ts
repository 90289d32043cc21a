import { describe, expect, it } from 'vitest';
import uWS from 'uWebSockets.js';
import { assertNativeUws, TransportUnavailableError } from './uws-guard.js';

describe('assertNativeUws', () => {
  it('refuses the JavaScript fallback (a module without getParts)', () => {
    const shim = { App: () => ({}), SSLApp: () => ({}), us_listen_socket_close: () => {} };
    expect(() => assertNativeUws(shim)).toThrow(TransportUnavailableError);
    expect(() => assertNativeUws(shim)).toThrow(/fallback/);
  });

  it('refuses something that is not uWebSockets.js at all', () => {
    expect(() => assertNativeUws(undefined)).toThrow(TransportUnavailableError);
    expect(() => assertNativeUws({ getParts: () => undefined })).toThrow(/no App/);
  });

  it('accepts a module exporting App and getParts, like the native build installed here', () => {
    expect(() => assertNativeUws({ App: () => ({}), getParts: () => undefined })).not.toThrow();
    expect(() => assertNativeUws(uWS)).not.toThrow();
  });
});
