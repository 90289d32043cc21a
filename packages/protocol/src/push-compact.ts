import type { PushEnvelope, ServerEnvelope } from './envelope.js';
import { ProtocolError } from './errors.js';
import { checkPayload } from './payload.js';
import { buildPush } from './validate.js';

// Protocol version 2 differs from version 1 only here: a `push` travels as a positional array
// `[event, data, room, offset, epoch, from]` instead of a map, which saves the `t`, `event`, `data` and
// `room` keys on the hottest frame of all (a room publish is copied to every member). The other
// envelope kinds keep their version 1 form. docs/protocol.md §11 is the spec.

/** Positions of the compact push fields. */
// Fields are only ever appended, never reordered: older decoders ignore trailing elements (§10).
const FIELDS = ['event', 'data', 'room', 'offset', 'epoch', 'from'] as const;

/**
 * The compact form of a push. Fields after the last present one are left out; a missing field
 * before a present one is written as `null` (so a room push without data has `null` data).
 */
export function compactPush(push: PushEnvelope): unknown[] {
  const length =
    push.from !== undefined
      ? 6
      : push.epoch !== undefined
        ? 5
        : push.offset !== undefined
          ? 4
          : push.room !== undefined
            ? 3
            : push.data !== undefined
              ? 2
              : 1;
  const out: unknown[] = [push.event];
  for (let i = 1; i < length; i++) out.push(push[FIELDS[i] as keyof PushEnvelope] ?? null);
  return out;
}

/**
 * Checks an untrusted compact push and returns the same `push` envelope the version 1 object form
 * gives. `walked`: the decoder already checked depth and keys while scanning bytes.
 * @throws ProtocolError `MISSING_FIELD`, `INVALID_FIELD`, `TOO_DEEP` or `FORBIDDEN_KEY`.
 */
export function expandPush(value: readonly unknown[], maxDepth: number, walked: boolean): PushEnvelope {
  // The array is one level above `data`, as the envelope map is in version 1.
  if (!walked) checkPayload(value, maxDepth + 1, 'envelope');
  if (value.length === 0) throw new ProtocolError('MISSING_FIELD', 'push: missing field "event" (empty array)');
  const fields: Record<string, unknown> = { event: value[0] };
  // `data` keeps an explicit null; null in a later position means the field is absent.
  if (value.length > 1) fields['data'] = value[1];
  for (let i = 2; i < FIELDS.length; i++) {
    const item = value[i];
    if (item !== null && item !== undefined) fields[FIELDS[i] as string] = item;
  }
  // Elements after `from` are ignored, as unknown fields of a map are (§10).
  return buildPush(fields);
}

/** Refuses the version 1 object form of a push on a version 2 connection. */
export function refuseObjectPush(envelope: ServerEnvelope): ServerEnvelope {
  if (envelope.t === 'push') {
    throw new ProtocolError('UNKNOWN_TYPE', 'protocol version 2 carries push as an array, not as a map');
  }
  return envelope;
}
