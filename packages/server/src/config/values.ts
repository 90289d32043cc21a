import { isIP } from 'node:net';
import { z } from 'zod';

/** How one option's value is read from an environment variable or flag, and checked. */
export interface ValueType {
  /** Turns the raw string into a candidate value; {@link ValueType.schema} then checks it. */
  readonly fromString: (raw: string) => unknown;
  /** Checks a value from any source; its messages say what is expected. */
  readonly schema: z.ZodType;
  /** How the value is written in the environment, for docs and usage. */
  readonly syntax: string;
  /** For integers: the accepted range (`orZero`: 0 is accepted too, meaning "off" or "unlimited"). */
  readonly range?: { readonly min: number; readonly max: number; readonly orZero: boolean };
}

/** An integer in `[min, max]`, or `0` too when `orZero` (0 meaning "off"). */
export function integer(min: number, max: number, orZero = false): ValueType {
  const message = orZero ? `expected 0 or an integer ${min}-${max}` : `expected an integer ${min}-${max}`;
  const base = z.number({ error: message }).int({ error: message });
  const schema = orZero
    ? base.refine((n) => n === 0 || (n >= min && n <= max), { error: message })
    : base.min(min, { error: message }).max(max, { error: message });
  return {
    fromString: (raw) => (/^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : Number.NaN),
    schema,
    syntax: orZero ? `0 or ${min}-${max}` : `${min}-${max}`,
    range: { min, max, orZero },
  };
}

const TRUE = new Set(['on', 'true', '1', 'yes']);
const FALSE = new Set(['off', 'false', '0', 'no']);

/** A switch: `on`/`off`, `true`/`false`, `1`/`0` or `yes`/`no` in the environment. */
export const boolean: ValueType = {
  fromString: (raw) => {
    const word = raw.trim().toLowerCase();
    return TRUE.has(word) ? true : FALSE.has(word) ? false : raw;
  },
  schema: z.boolean({ error: 'expected on or off (also true/false, 1/0, yes/no)' }),
  syntax: 'on|off',
};

/** A non-empty string, taken verbatim. */
export function text(what = 'a non-empty string', minLength = 1): ValueType {
  const message = `expected ${what}`;
  return {
    fromString: (raw) => raw,
    schema: z.string({ error: message }).min(minLength, { error: message }),
    syntax: 'string',
  };
}

/** One of a fixed set of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T): ValueType {
  const message = `expected one of ${values.join(', ')}`;
  return { fromString: (raw) => raw.trim(), schema: z.enum(values, { error: message }), syntax: values.join('|') };
}

/** Splits a comma-separated list, dropping blanks. */
export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** A comma-separated list whose items each pass `item`, at least one, no duplicates. */
export function list(item: z.ZodType<string>, what: string): ValueType {
  const message = `expected a comma-separated list of ${what}`;
  return {
    fromString: splitList,
    schema: z
      .array(item, { error: message })
      .min(1, { error: message })
      .refine((items) => new Set(items).size === items.length, { error: `${message}, without duplicates` }),
    syntax: 'list',
  };
}

/** A string, or several: a one-item list in the environment becomes a plain string. */
export function oneOrMany(what: string): ValueType {
  const message = `expected ${what} or a list of them`;
  const single = z.string({ error: message }).min(1, { error: message });
  return {
    fromString: (raw) => {
      const items = splitList(raw);
      return items.length === 1 ? items[0] : items;
    },
    schema: z.union([single, z.array(single).min(1, { error: message })], { error: message }),
    syntax: 'list',
  };
}

/** True for an exact browser origin: scheme, host and optional port, no path. */
export function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return url.origin !== 'null' && url.origin === value;
  } catch {
    return false;
  }
}

/** An exact origin such as `https://app.example.com`, or `*` (every origin; warned about at start-up). */
export const origin = z.string().refine((value) => value === '*' || isOrigin(value), {
  error: 'expected origins such as https://app.example.com (scheme://host[:port], no path, no trailing slash) or *',
});

/** A PEM value. Literal `\n` sequences become newlines, for environments that cannot hold them. */
export const pem: ValueType = {
  fromString: (raw) => (raw.includes('\n') ? raw : raw.replace(/\\n/g, '\n')),
  schema: z
    .string({ error: 'expected a PEM key' })
    .includes('-----BEGIN ', { error: 'expected a PEM key (-----BEGIN …)' }),
  syntax: 'PEM',
};

/** A string, or a record from key id to string (config file only), for keys under rotation. */
export function keyed(value: z.ZodType<string>, what: string): z.ZodType {
  const message = `expected ${what}, or an object mapping key ids to ${what}`;
  return z.union(
    [value, z.record(z.string().min(1), value).refine((r) => Object.keys(r).length > 0, { error: message })],
    {
      error: message,
    },
  );
}

/** True for an IP address or a CIDR range (`10.0.0.0/8`, `fd00::/8`). */
export function isAddressOrRange(value: string): boolean {
  const [address = '', prefix, extra] = value.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** An IP address or CIDR range. */
export const addressOrRange = z.string().refine(isAddressOrRange, {
  error: 'expected IP addresses or CIDR ranges such as 10.0.0.0/8',
});

/** True for a `redis://` or `rediss://` URL with a host. */
export function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A Redis URL such as `redis://10.0.0.5:6379`. */
export const redisUrl: ValueType = {
  fromString: (raw) => raw.trim(),
  schema: z.string().refine(isRedisUrl, { error: 'expected a Redis URL such as redis://127.0.0.1:6379' }),
  syntax: 'URL',
};
