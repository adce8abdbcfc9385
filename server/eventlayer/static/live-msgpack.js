// A small msgpack codec for the /live page, exposed as window.eventlayerMsgpack = { encode, decode }.
// Plain script with no build step, so the page depends on nothing but the server.
(function () {
  "use strict";

  // msgpack (https://github.com/msgpack/msgpack/blob/master/spec.md): maps, arrays, strings, integers, floats,
  // booleans, nil and bin. Ext types are not used by the protocol and raise an error.
  const textEncoder = new TextEncoder();
  const textDecoder = new TextDecoder("utf-8", { fatal: true });

  function encode(value) {
    const bytes = [];
    const pushUint = (number, size) => {
      for (let shift = (size - 1) * 8; shift >= 0; shift -= 8) bytes.push(Math.floor(number / 2 ** shift) & 0xff);
    };
    const write = (item) => {
      if (item === null || item === undefined) bytes.push(0xc0);
      else if (item === true || item === false) bytes.push(item ? 0xc3 : 0xc2);
      else if (typeof item === "number" && Number.isSafeInteger(item)) {
        if (item >= 0 && item < 128) bytes.push(item);
        else if (item < 0 && item >= -32) bytes.push(item & 0xff);
        else if (item >= 0 && item <= 0xffffffff) { bytes.push(0xce); pushUint(item, 4); }
        else if (item >= 0) { bytes.push(0xcf); pushUint(item, 8); }
        else { bytes.push(0xd3); const view = new DataView(new ArrayBuffer(8)); view.setBigInt64(0, BigInt(item)); bytes.push(...new Uint8Array(view.buffer)); }
      } else if (typeof item === "number") {
        const view = new DataView(new ArrayBuffer(8));
        view.setFloat64(0, item);
        bytes.push(0xcb, ...new Uint8Array(view.buffer));
      } else if (typeof item === "string") {
        const utf8 = textEncoder.encode(item);
        if (utf8.length < 32) bytes.push(0xa0 | utf8.length);
        else { bytes.push(0xdb); pushUint(utf8.length, 4); }
        for (const byte of utf8) bytes.push(byte);
      } else if (item instanceof Uint8Array) {
        bytes.push(0xc6); pushUint(item.length, 4);
        for (const byte of item) bytes.push(byte);
      } else if (Array.isArray(item)) {
        bytes.push(0xdd); pushUint(item.length, 4);
        item.forEach(write);
      } else if (typeof item === "object") {
        const entries = Object.entries(item).filter(([, entry]) => entry !== undefined);
        bytes.push(0xdf); pushUint(entries.length, 4);
        for (const [key, entry] of entries) { write(key); write(entry); }
      } else throw new TypeError("msgpack: cannot encode a " + typeof item);
    };
    write(value);
    return new Uint8Array(bytes);
  }

  function decode(buffer) {
    const data = new Uint8Array(buffer);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let offset = 0;
    const take = (count) => { const start = offset; offset += count; if (offset > data.length) throw new RangeError("msgpack: truncated frame"); return start; };
    // Big-endian integers of 1, 2, 4 or 8 bytes. 64-bit values become Numbers, which are exact up to 2^53, so
    // every epoch-millisecond time decodes exactly.
    function uint(size) {
      const at = take(size);
      if (size === 1) return view.getUint8(at);
      if (size === 2) return view.getUint16(at);
      if (size === 4) return view.getUint32(at);
      return Number(view.getBigUint64(at));
    }
    function int(size) {
      const at = take(size);
      if (size === 1) return view.getInt8(at);
      if (size === 2) return view.getInt16(at);
      if (size === 4) return view.getInt32(at);
      return Number(view.getBigInt64(at));
    }
    const str = (length) => { const at = take(length); return textDecoder.decode(data.subarray(at, at + length)); };
    const bin = (length) => { const at = take(length); return data.slice(at, at + length); };
    const array = (length) => { const list = new Array(length); for (let i = 0; i < length; i++) list[i] = read(); return list; };
    const map = (length) => { const object = {}; for (let i = 0; i < length; i++) { const key = read(); object[key] = read(); } return object; };
    function read() {
      const type = uint(1);
      if (type < 0x80) return type;
      if (type < 0x90) return map(type & 0x0f);
      if (type < 0xa0) return array(type & 0x0f);
      if (type < 0xc0) return str(type & 0x1f);
      if (type >= 0xe0) return type - 0x100;
      switch (type) {
        case 0xc0: return null;
        case 0xc2: return false;
        case 0xc3: return true;
        case 0xc4: return bin(uint(1));
        case 0xc5: return bin(uint(2));
        case 0xc6: return bin(uint(4));
        case 0xca: return view.getFloat32(take(4));
        case 0xcb: return view.getFloat64(take(8));
        case 0xcc: return uint(1);
        case 0xcd: return uint(2);
        case 0xce: return uint(4);
        case 0xcf: return uint(8);
        case 0xd0: return int(1);
        case 0xd1: return int(2);
        case 0xd2: return int(4);
        case 0xd3: return int(8);
        case 0xd9: return str(uint(1));
        case 0xda: return str(uint(2));
        case 0xdb: return str(uint(4));
        case 0xdc: return array(uint(2));
        case 0xdd: return array(uint(4));
        case 0xde: return map(uint(2));
        case 0xdf: return map(uint(4));
        default: throw new TypeError("msgpack: type 0x" + type.toString(16) + " is not supported");
      }
    }
    const value = read();
    if (offset !== data.length) throw new RangeError("msgpack: extra bytes after the value");
    return value;
  }

  window.eventlayerMsgpack = { encode, decode };
})();
