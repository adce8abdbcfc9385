// Web Storage that never throws: storage can be disabled, full, or blocked in sandboxed frames, and the
// overlay then works without remembering anything.

function area(name) {
  try {
    return window[name];
  } catch {
    return null;
  }
}

export function createStore(name) {
  return {
    get(key) {
      try {
        return area(name)?.getItem(key) ?? null;
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        area(name)?.setItem(key, value);
      } catch {
        // Full or blocked: the value is kept for this page only.
      }
    },
    remove(key) {
      try {
        area(name)?.removeItem(key);
      } catch {
        // Blocked storage has nothing to remove.
      }
    },
    getJSON(key) {
      const text = this.get(key);
      if (text === null) return null;
      try {
        return JSON.parse(text);
      } catch {
        return null;
      }
    },
    setJSON(key, value) {
      this.set(key, JSON.stringify(value));
    },
    /** Returns every key in the area, or [] when storage is blocked. */
    keys() {
      try {
        const storage = area(name);
        return storage ? Array.from({ length: storage.length }, (_, i) => storage.key(i)) : [];
      } catch {
        return [];
      }
    },
  };
}
