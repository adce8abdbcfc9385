// A small msgpack reader for the server's replies (welcome, ack, error): maps, arrays, strings, integers,
// 64-bit floats, booleans and nil. Events are encoded with @msgpack/msgpack; its decoder would add about 3 KB
// gzipped (stream and async decoding, extension types) that these replies never use, and the bundle has a
// 12 KB budget. Binary, extension and 32-bit float types are not
// supported and raise an error.

const textDecoder = new TextDecoder();

/** Decodes one msgpack value from `bytes` (a Uint8Array). Raises RangeError or Error on invalid input. */
export function decodeMessage(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;

  const take = (length) => {
    if (offset + length > bytes.length) throw new RangeError("msgpack value ends early");
    offset += length;
    return offset - length;
  };
  // Reads an unsigned or signed integer of 1, 2, 4 or 8 bytes. 64-bit values beyond 2^53 lose precision,
  // which does not matter for times, counts and sequence numbers.
  const integer = (size, signed) => {
    const at = take(size);
    if (size === 8) return view[signed ? "getInt32" : "getUint32"](at) * 2 ** 32 + view.getUint32(at + 4);
    const bits = size * 8;
    return view[`get${signed ? "Int" : "Uint"}${bits}`](at);
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
    if (type === 0xcb) return view.getFloat64(take(8));
    // 0xcc-0xcf: uint 8/16/32/64; 0xd0-0xd3: int 8/16/32/64.
    if (type >= 0xcc && type <= 0xd3) return integer(2 ** ((type - 0xcc) & 3), type >= 0xd0);
    // 0xd9-0xdb: str 8/16/32; 0xdc-0xdd: array 16/32; 0xde-0xdf: map 16/32.
    if (type >= 0xd9 && type <= 0xdb) return string(integer(2 ** (type - 0xd9), false));
    if (type === 0xdc || type === 0xdd) return array(integer(type === 0xdc ? 2 : 4, false));
    if (type === 0xde || type === 0xdf) return map(integer(type === 0xde ? 2 : 4, false));
    throw new Error(`unsupported msgpack type ${type}`);
  }

  const value = read();
  if (offset !== bytes.length) throw new Error("bytes left after the msgpack value");
  return value;
}
