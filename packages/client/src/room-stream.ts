import type { JoinResult, StreamPosition } from '@switchyard/protocol';

/**
 * A room's place in its history stream (docs/protocol.md §9), without any socket code: the offset
 * and epoch of the last push delivered, what to send as `since`, and which pushes to drop.
 * Rooms without history never carry offsets, so nothing is ever dropped for them.
 */
export class RoomStream {
  #epoch: string | undefined;
  #offset = 0;
  /** A rejoin after a gap is on its way: the room's pushes wait for its reply (§9.3). */
  #holding = false;

  /** The position to join from, once the room's history has been seen. */
  since(): StreamPosition | undefined {
    return this.#epoch === undefined ? undefined : { offset: this.#offset, epoch: this.#epoch };
  }

  /**
   * A `GAP` notice with `offset` (the first skipped offset) arrived: returns the position to
   * rejoin from and holds the room's pushes until that join's reply, or undefined when the room
   * has no known history or a rejoin already covers the gap.
   */
  gap(offset: number): StreamPosition | undefined {
    if (this.#epoch === undefined || this.#holding) return undefined;
    this.#holding = true;
    this.#offset = Math.min(this.#offset, offset - 1);
    return this.since();
  }

  /**
   * A join succeeded. After `recovered: true` the replay follows, so the position stays where the
   * join asked from; otherwise the reply's position is the new start.
   */
  joined(result: JoinResult | undefined): void {
    this.#holding = false;
    if (result?.recovered !== true && typeof result?.epoch === 'string' && typeof result.offset === 'number') {
      this.#epoch = result.epoch;
      this.#offset = result.offset;
    }
  }

  /** A push of this room arrived: true to deliver it, false to drop it (held, or a duplicate). */
  accept(offset: number | undefined, epoch: string | undefined): boolean {
    if (this.#holding) return false;
    if (offset === undefined || epoch === undefined) return true;
    if (epoch === this.#epoch && offset <= this.#offset) return false;
    this.#epoch = epoch;
    this.#offset = offset;
    return true;
  }
}
