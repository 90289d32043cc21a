import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askUpgrade, refuseUpgrade, splitUrl } from './ask-upgrade.js';
import type { TransportHandlers, UpgradeDecision, UpgradeRequest } from './types.js';

const request: UpgradeRequest = {
  path: '/ws',
  query: '',
  authorization: '',
  origin: '',
  protocols: '',
  forwardedFor: '',
  remoteAddress: '127.0.0.1',
  wsKey: '',
  wsVersion: '13',
};

function handlers(
  upgrade: TransportHandlers<number>['upgrade'],
  failed: TransportHandlers<number>['failed'] = () => {},
): TransportHandlers<number> {
  return {
    upgrade,
    open: () => {},
    message: () => {},
    drain: () => {},
    close: () => {},
    http: () => undefined,
    failed,
  };
}

describe('splitUrl', () => {
  it.each([
    ['/ws', '/ws', ''],
    ['/ws?token=a&b=c', '/ws', 'token=a&b=c'],
    ['/ws?', '/ws', ''],
    [undefined, '/', ''],
  ])('%s', (url, path, query) => {
    expect(splitUrl(url)).toEqual({ path, query });
  });
});

describe('refuseUpgrade', () => {
  it('writes the status line, the headers and the body, then ends the socket', async () => {
    const socket = new PassThrough();
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    refuseUpgrade(socket, 426, 'unsupported', { 'sec-websocket-version': '13' });
    await new Promise((resolve) => socket.on('end', resolve));
    expect(Buffer.concat(chunks).toString()).toBe(
      'HTTP/1.1 426 Upgrade Required\r\ncontent-type: text/plain; charset=utf-8\r\nsec-websocket-version: 13\r\n' +
        'content-length: 11\r\nconnection: close\r\n\r\nunsupported',
    );
  });
});

describe('askUpgrade', () => {
  it('refuses on the socket with the decision, or accepts with its protocol and data', async () => {
    const refused = new PassThrough();
    const chunks: Buffer[] = [];
    refused.on('data', (c: Buffer) => chunks.push(c));
    askUpgrade(
      handlers(() => ({ accept: false, status: 401, body: 'missing_token' })),
      request,
      refused,
      () => {
        throw new Error('not accepted');
      },
      () => {},
    );
    await new Promise((resolve) => refused.on('end', resolve));
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n[\s\S]*\r\n\r\nmissing_token$/);

    const accepted = await new Promise<string>((resolve, reject) =>
      askUpgrade(
        handlers((): Promise<UpgradeDecision<number>> => Promise.resolve({ accept: true, protocol: 'p', data: 3 })),
        request,
        new PassThrough(),
        (protocol, data) => resolve(`${protocol} ${data}`),
        () => reject(new Error('abandoned')),
      ),
    );
    expect(accepted).toBe('p 3');
  });

  it('answers 500 for a decision that throws or rejects, and reports the error once through failed', async () => {
    const reported: unknown[] = [];
    for (const upgrade of [
      () => {
        throw new Error('boom');
      },
      () => Promise.reject(new Error('boom')),
    ]) {
      const socket = new PassThrough();
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      askUpgrade(
        handlers(upgrade, (where, err) => reported.push([where, (err as Error).message])),
        request,
        socket,
        () => {},
        () => {},
      );
      await new Promise((resolve) => socket.on('end', resolve));
      expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 500 Internal Server Error[\s\S]*internal error$/);
    }
    expect(reported).toEqual([
      ['upgrade', 'boom'],
      ['upgrade', 'boom'],
    ]);
  });

  it('reports an accepted decision for a socket that went away to `abandoned`, never to `accept`', async () => {
    const socket = new PassThrough();
    let writes = 0;
    socket.on('data', () => writes++);
    let accepted = false;
    const abandoned = new Promise<number>((resolve) =>
      askUpgrade(
        handlers((): Promise<UpgradeDecision<number>> => Promise.resolve({ accept: true, protocol: '', data: 9 })),
        request,
        socket,
        () => (accepted = true),
        resolve,
      ),
    );
    socket.destroy();
    // The decision has settled once `abandoned` is called: anything written or accepted would be by now.
    expect(await abandoned).toBe(9);
    expect(accepted).toBe(false);
    expect(writes).toBe(0);
  });
});
