import { describe, expect, it, vi } from 'vitest';
import { RpcError } from '@switchyard/protocol';
import { Router } from './router.js';

const reporter = () => ({ handlerFailed: vi.fn(), eventRejected: vi.fn() });

describe('Router', () => {
  it('maps results and errors to replies', async () => {
    const r = reporter();
    const router = new Router<string>(r);
    router.onRequest('ok', (ctx, data) => `${ctx}:${String(data)}`);
    router.onRequest('rpc', () => {
      throw new RpcError('LIMIT_EXCEEDED', 'too many');
    });
    router.onRequest('bug', () => Promise.reject(new TypeError('secret detail')));
    router.onRequest('parsed', (_c, d) => d, { parse: undefined } as never);
    expect(await router.request('me', 'ok', 1)).toEqual({ ok: true, data: 'me:1' });
    expect(await router.request('me', 'rpc', 1)).toEqual({
      ok: false,
      error: { code: 'LIMIT_EXCEEDED', message: 'too many' },
    });
    expect(await router.request('me', 'bug', 1)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error' },
    });
    expect(r.handlerFailed).toHaveBeenCalledWith('request', 'bug', expect.any(TypeError));
    for (const name of ['__proto__', 'toString', 'valueOf', 'missing']) {
      expect(await router.request('me', name, 1)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    }
  });

  it('answers synchronous handlers without a promise and adopts any thenable', async () => {
    const r = reporter();
    const router = new Router<null>(r);
    router.onRequest('sync', (_c, d) => d);
    router.onRequest('thenable', () => ({ then: (ok: (v: unknown) => void) => ok('later') }));
    router.onRequest('rejects', () => ({
      then: (_ok: unknown, fail: (e: unknown) => void) => fail(new RpcError('FORBIDDEN', 'no')),
    }));
    expect(router.request(null, 'sync', 7)).toEqual({ ok: true, data: 7 });
    const later = router.request(null, 'thenable', 1);
    expect(later).toBeInstanceOf(Promise);
    expect(await later).toEqual({ ok: true, data: 'later' });
    expect(await router.request(null, 'rejects', 1)).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN', message: 'no' },
    });
    expect(r.handlerFailed).not.toHaveBeenCalled();
  });

  it('applies parsers: BAD_REQUEST for requests, a report for events', async () => {
    const r = reporter();
    const router = new Router<null>(r);
    const parse = (x: unknown) => {
      if (typeof x !== 'number') throw new Error('number expected');
      return x;
    };
    const seen: unknown[] = [];
    router.onRequest('n', (_c, d) => d, parse);
    router.onEvent('e', (_c, d) => void seen.push(d), parse);
    expect(await router.request(null, 'n', 'x')).toEqual({
      ok: false,
      error: { code: 'BAD_REQUEST', message: "invalid payload for 'n': number expected" },
    });
    expect(router.event(null, 'e', 'x')).toBe(true);
    expect(router.event(null, 'e', 3)).toBe(true);
    expect(router.event(null, 'nope', 3)).toBe(false);
    expect(seen).toEqual([3]);
    expect(r.eventRejected).toHaveBeenCalledOnce();
  });

  it('reports event handlers that throw or reject', async () => {
    const r = reporter();
    const router = new Router<null>(r);
    router.onEvent('sync', () => {
      throw new Error('a');
    });
    router.onEvent('async', () => Promise.reject(new Error('b')));
    router.event(null, 'sync', 1);
    router.event(null, 'async', 1);
    await new Promise((res) => setImmediate(res));
    expect(r.handlerFailed).toHaveBeenCalledTimes(2);
  });
});
