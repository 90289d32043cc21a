import { randomBytes } from 'node:crypto';
import type { StreamPosition } from '@switchyard/protocol';
import type { HistoryPolicy } from '../config/options.js';
import type { EncodedPush } from '../publish/encoded-push.js';
import type { HistoryPage, HistoryRead, HistoryStore, HistoryUsage } from './history.js';

interface Entry {
  readonly offset: number;
  readonly push: EncodedPush;
  readonly at: number;
  readonly bytes: number;
}

interface Stream {
  readonly epoch: string;
  /** Offset of the latest message (0 before the first). */
  top: number;
  /** Kept messages, oldest first, from index `head`. */
  entries: Entry[];
  head: number;
  lastPublishAt: number;
}

/** Options of {@link MemoryHistory}. */
export interface MemoryHistoryOptions {
  /** Whether a room has members here; a room without any keeps its history for `ttlSec` only. */
  readonly hasMembers: (room: string) => boolean;
  /** Bytes a push is accounted for (its frame in the canonical wire format). */
  readonly sizeOf: (push: EncodedPush) => number;
  /** Clock, ms. @default Date.now */
  readonly now?: () => number;
  /** How often expired messages and rooms are swept, ms. @default 5000 */
  readonly sweepMs?: number;
}

/**
 * Rooms' history in this process: a bounded ring per room (by count and age). Epochs are random
 * per process and per room generation, so after a restart, or after a room's history expired and
 * started again, an old offset is answered `recovered: false`, never with wrong messages.
 */
export class MemoryHistory implements HistoryStore {
  readonly #streams = new Map<string, Stream>();
  readonly #process = randomBytes(4).toString('hex');
  #generation = 0;
  #messages = 0;
  #bytes = 0;
  readonly #hasMembers: (room: string) => boolean;
  readonly #sizeOf: (push: EncodedPush) => number;
  readonly #now: () => number;
  readonly #policies = new Map<string, HistoryPolicy>();
  readonly #sweep: NodeJS.Timeout;

  constructor(options: MemoryHistoryOptions) {
    this.#hasMembers = options.hasMembers;
    this.#sizeOf = options.sizeOf;
    this.#now = options.now ?? Date.now;
    this.#sweep = setInterval(() => this.sweep(), options.sweepMs ?? 5_000);
    this.#sweep.unref();
  }

  get usage(): HistoryUsage {
    return { messages: this.#messages, bytes: this.#bytes };
  }

  append(room: string, policy: HistoryPolicy, build: (position: StreamPosition) => EncodedPush): EncodedPush {
    const stream = this.#stream(room, policy);
    const now = this.#now();
    const push = build({ offset: stream.top + 1, epoch: stream.epoch });
    stream.top++;
    stream.lastPublishAt = now;
    const bytes = this.#sizeOf(push);
    stream.entries.push({ offset: stream.top, push, at: now, bytes });
    this.#messages++;
    this.#bytes += bytes;
    this.#trim(stream, policy, now);
    return push;
  }

  position(room: string, policy: HistoryPolicy): StreamPosition {
    const stream = this.#stream(room, policy);
    return { offset: stream.top, epoch: stream.epoch };
  }

  read(room: string, policy: HistoryPolicy, since: StreamPosition): HistoryRead {
    const stream = this.#stream(room, policy);
    this.#trim(stream, policy, this.#now());
    const position = { offset: stream.top, epoch: stream.epoch };
    const refused: HistoryRead = { recovered: false, position, pushes: [] };
    if (since.epoch !== stream.epoch || since.offset > stream.top) return refused;
    if (since.offset === stream.top) return { recovered: true, position, pushes: [] };
    const first = stream.entries[stream.head];
    // The message right after `since` must still be kept.
    if (first === undefined || first.offset > since.offset + 1) return refused;
    const start = stream.head + (since.offset + 1 - first.offset);
    return { recovered: true, position, pushes: stream.entries.slice(start).map((e) => e.push) };
  }

  page(room: string, policy: HistoryPolicy, since: number, limit: number, epoch?: string): HistoryPage {
    const stream = this.#stream(room, policy);
    this.#trim(stream, policy, this.#now());
    const position = { offset: stream.top, epoch: stream.epoch };
    const sameEpoch = epoch === undefined || epoch === stream.epoch;
    const after = sameEpoch ? since : 0;
    const kept = stream.entries.slice(stream.head).filter((e) => e.offset > after);
    const first = kept[0];
    const complete = sameEpoch && (first === undefined ? after >= stream.top : first.offset === after + 1);
    return {
      position,
      complete,
      entries: kept.slice(0, limit).map(({ offset, push }) => ({ offset, push })),
    };
  }

  firstSkipped(room: string, skipped: number): number | undefined {
    const stream = this.#streams.get(room);
    return stream === undefined ? undefined : stream.top - skipped + 1;
  }

  /** Trims messages past their age and forgets rooms without members whose history expired. */
  sweep(): void {
    const now = this.#now();
    for (const [room, stream] of this.#streams) {
      const policy = this.#policies.get(room);
      if (policy === undefined) continue;
      this.#trim(stream, policy, now);
      if (now - stream.lastPublishAt > policy.ttlSec * 1000 && !this.#hasMembers(room)) {
        this.#drop(stream, stream.entries.length);
        this.#streams.delete(room);
        this.#policies.delete(room);
      }
    }
  }

  close(): void {
    clearInterval(this.#sweep);
  }

  #stream(room: string, policy: HistoryPolicy): Stream {
    let stream = this.#streams.get(room);
    if (stream === undefined) {
      // A new generation of this room: offsets start again, so the epoch must differ from any before.
      stream = {
        epoch: `${this.#process}${(this.#generation++).toString(36)}`,
        top: 0,
        entries: [],
        head: 0,
        lastPublishAt: this.#now(),
      };
      this.#streams.set(room, stream);
      this.#policies.set(room, policy);
    }
    return stream;
  }

  #trim(stream: Stream, policy: HistoryPolicy, now: number): void {
    let head = stream.head;
    const oldest = now - policy.ttlSec * 1000;
    const end = stream.entries.length;
    while (head < end && (end - head > policy.size || (stream.entries[head] as Entry).at < oldest)) head++;
    if (head === stream.head) return;
    this.#drop(stream, head);
  }

  /** Forgets the entries before index `head` and compacts the array once half of it is dead. */
  #drop(stream: Stream, head: number): void {
    for (let i = stream.head; i < head; i++) {
      this.#messages--;
      this.#bytes -= (stream.entries[i] as Entry).bytes;
    }
    stream.head = head;
    if (stream.head > 64 && stream.head * 2 > stream.entries.length) {
      stream.entries = stream.entries.slice(stream.head);
      stream.head = 0;
    }
  }
}
