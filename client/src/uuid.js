// Random UUIDs (version 4, RFC 9562) for event ids, sessions and anonymous users.

/**
 * Returns a random UUID. Uses crypto.randomUUID, which exists only in secure contexts (https and localhost),
 * else crypto.getRandomValues, which every browser with WebSocket and fetch has.
 */
export function uuid() {
  const crypto = globalThis.crypto;
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
