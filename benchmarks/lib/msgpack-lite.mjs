// A minimal msgpack encoder for the few fixed envelopes the generator sends (built once at
// setup), plus the byte pattern of `ok: true`, so the benchmarks need no codec dependency.

/** Encodes plain objects, arrays, strings, booleans, null and integers/floats. */
export function encode(value) {
  const out = [];
  write(value, out);
  return Buffer.concat(out);
}

function write(v, out) {
  if (v === null || v === undefined) out.push(Buffer.from([0xc0]));
  else if (v === true) out.push(Buffer.from([0xc3]));
  else if (v === false) out.push(Buffer.from([0xc2]));
  else if (typeof v === 'number') writeNumber(v, out);
  else if (typeof v === 'string') writeString(v, out);
  else if (Array.isArray(v)) {
    out.push(header(v.length, 0x90, 0xdc));
    for (const x of v) write(x, out);
  } else {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    out.push(header(keys.length, 0x80, 0xde));
    for (const k of keys) {
      writeString(k, out);
      write(v[k], out);
    }
  }
}

function header(n, fix, b16) {
  if (n < 16) return Buffer.from([fix | n]);
  const b = Buffer.alloc(5);
  if (n < 65536) {
    b[0] = b16;
    b.writeUInt16BE(n, 1);
    return b.subarray(0, 3);
  }
  b[0] = b16 + 1;
  b.writeUInt32BE(n, 1);
  return b;
}

function writeNumber(n, out) {
  if (Number.isInteger(n) && n >= 0 && n < 2 ** 32) {
    if (n < 128) out.push(Buffer.from([n]));
    else if (n < 256) out.push(Buffer.from([0xcc, n]));
    else if (n < 65536) {
      const b = Buffer.alloc(3);
      b[0] = 0xcd;
      b.writeUInt16BE(n, 1);
      out.push(b);
    } else {
      const b = Buffer.alloc(5);
      b[0] = 0xce;
      b.writeUInt32BE(n, 1);
      out.push(b);
    }
  } else {
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(n, 1);
    out.push(b);
  }
}

function writeString(s, out) {
  const bytes = Buffer.from(s, 'utf8');
  const n = bytes.length;
  if (n < 32) out.push(Buffer.from([0xa0 | n]));
  else if (n < 256) out.push(Buffer.from([0xd9, n]));
  else if (n < 65536) {
    const b = Buffer.alloc(3);
    b[0] = 0xda;
    b.writeUInt16BE(n, 1);
    out.push(b);
  } else {
    const b = Buffer.alloc(5);
    b[0] = 0xdb;
    b.writeUInt32BE(n, 1);
    out.push(b);
  }
  out.push(bytes);
}

/** `ok` key followed by `true`, as any msgpack encoder writes it inside a map. */
export const OK_TRUE = encode({ ok: true }).subarray(1);
