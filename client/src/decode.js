// A small msgpack reader for the server's replies (welcome, ack, error): maps, arrays, strings, integers,
// 64-bit floats, booleans and nil. Binary, extension and 32-bit float types raise an error.
// Events are encoded with @msgpack/msgpack, but its decoder would add about 3 KB gzipped (stream and async
// decoding, extension types) that these replies never use, and the bundle has a budget of 12 KB.

const textDecoder = new TextDecoder();

/** Decodes one msgpack value from `bytes` (a Uint8Array). Raises RangeError or Error on invalid input. */
export function decodeMessage(bytes) {
  let offset = 0;

  const take = (length) => {
    if (offset + length > bytes.length) throw new RangeError("msgpack value ends early");
    offset += length;
    return offset - length;
  };
  // Reads a big-endian integer of `size` bytes. 64-bit values beyond 2^53 lose precision, which does not
  // matter for times, counts and sequence numbers.
  const integer = (size, signed) => {
    // Two halves keep the sign of a negative 64-bit value exact down to -2^53.
    if (size === 8) return integer(4, signed) * 2 ** 32 + integer(4, false);
    const start = take(size);
    let value = 0;
    for (let i = start; i < offset; i++) value = value * 256 + bytes[i];
    return signed && value >= 2 ** (size * 8 - 1) ? value - 2 ** (size * 8) : value;
  };
  const string = (length) => textDecoder.decode(bytes.subarray(take(length), offset));
  const array = (length) => Array.from({ length }, read);
  const map = (length) => {
    const result = {};
    for (let i = 0; i < length; i++) {
      const key = read();
      result[key] = read();
    }
    return result;
  };

  function read() {
    const type = bytes[take(1)];
    if (type < 0x80) return type;
    if (type >= 0xe0) return type - 0x100;
    if (type < 0x90) return map(type & 0x0f);
    if (type < 0xa0) return array(type & 0x0f);
    if (type < 0xc0) return string(type & 0x1f);
    if (type === 0xc0) return null;
    if (type === 0xc2 || type === 0xc3) return type === 0xc3;
    if (type === 0xcb) return new DataView(bytes.buffer, bytes.byteOffset + take(8), 8).getFloat64(0);
    // 0xcc-0xcf: uint 8/16/32/64; 0xd0-0xd3: int 8/16/32/64; 0xd9-0xdb: str 8/16/32.
    if (type >= 0xcc && type <= 0xd3) return integer(1 << ((type - 0xcc) & 3), type >= 0xd0);
    if (type >= 0xd9 && type <= 0xdb) return string(integer(1 << (type - 0xd9)));
    // 0xdc-0xdd: array 16/32; 0xde-0xdf: map 16/32.
    if (type >= 0xdc && type <= 0xdf) return (type < 0xde ? array : map)(integer(type & 1 ? 4 : 2));
    throw new Error(`unsupported msgpack type ${type}`);
  }

  const value = read();
  if (offset !== bytes.length) throw new Error("bytes left after the msgpack value");
  return value;
}
