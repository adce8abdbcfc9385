// Random UUIDs (version 4, RFC 9562) for event ids, sessions and anonymous users.

/**
 * Returns a random UUID. Uses crypto.randomUUID, which exists only in secure contexts (https and localhost),
 * else fills the version 4 template with crypto.getRandomValues, which every browser with WebSocket has.
 */
export function uuid() {
  const crypto = globalThis.crypto;
  if (crypto.randomUUID) return crypto.randomUUID();
  const random = crypto.getRandomValues(new Uint8Array(32));
  let index = 0;
  // In the template, "x" becomes a random hex digit and "y" one of 8, 9, a or b (the RFC 9562 variant).
  return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (slot) => {
    const nibble = random[index++] & 15;
    return (slot === "x" ? nibble : (nibble & 3) | 8).toString(16);
  });
}
