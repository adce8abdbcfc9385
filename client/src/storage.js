// Web Storage that never throws. Access to localStorage can raise SecurityError (storage disabled,
// sandboxed iframes), and then values live in memory for the life of the page. A setItem that raises
// QuotaExceededError (storage full) leaves that one value unsaved.

/** Wraps `window[name]` ("localStorage" or "sessionStorage"), falling back to a plain in-memory map. */
export function createStorage(name) {
  let store = null;
  try {
    store = window[name];
    store.setItem("eventlayer:probe", "1");
    store.removeItem("eventlayer:probe");
  } catch {
    store = null;
  }
  const memory = new Map();

  const get = (key) => {
    try {
      return store ? store.getItem(key) : memory.has(key) ? memory.get(key) : null;
    } catch {
      return null;
    }
  };
  const set = (key, value) => {
    try {
      if (store) store.setItem(key, value);
      else memory.set(key, value);
      return true;
    } catch {
      return false;
    }
  };
  const remove = (key) => {
    try {
      if (store) store.removeItem(key);
      else memory.delete(key);
    } catch {
      // Nothing to do: the value stays until the storage works again.
    }
  };
  const keys = () => {
    try {
      if (!store) return Array.from(memory.keys());
      const result = [];
      for (let i = 0; i < store.length; i++) result.push(store.key(i));
      return result;
    } catch {
      return [];
    }
  };
  const getJSON = (key) => {
    try {
      const text = get(key);
      return text === null ? null : JSON.parse(text);
    } catch {
      return null;
    }
  };
  const setJSON = (key, value) => set(key, JSON.stringify(value));

  return { persistent: store !== null, get, set, remove, keys, getJSON, setJSON };
}
