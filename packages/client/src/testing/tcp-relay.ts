import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP relay on a fixed 127.0.0.1 port in front of a server that can be replaced: the client
 * keeps one URL while the server behind it stops and a new one starts. Node listens with
 * SO_REUSEADDR, so the relay can listen on its port again at once; uWebSockets.js (this build)
 * does not, and its closed connections' TIME_WAIT blocks rebinding the same port for a minute.
 */
export class TcpRelay {
  target: number;
  #port = 0;
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();

  private constructor(target: number) {
    this.target = target;
  }

  /** Starts relaying a free port to `target`. */
  static async start(target: number): Promise<TcpRelay> {
    const relay = new TcpRelay(target);
    await relay.listen();
    return relay;
  }

  /** The relay's port, the same across restarts. */
  get port(): number {
    return this.#port;
  }

  /** Listens again (on the same port once it had one). */
  async listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(this.target, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(this.#port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
  }

  /** Stops listening and drops every relayed connection (new connections are refused). */
  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
    this.#server = undefined;
  }
}
