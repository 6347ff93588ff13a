// Headers as plugins see them: a thin, case-insensitive view over the flat [name, value, …]
// arrays both engines already carry, so a plugin-free request allocates nothing for it and a
// plugin's change is the array the engine serialises.

export class HeaderList {
  constructor(readonly raw: string[]) {}

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const raw = this.raw;
    const n = name.length;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length === n && k.toLowerCase() === name) return raw[i + 1];
    }
    return undefined;
  }

  /** Every value of `name`, joined with ", " as a list header allows; undefined when absent. */
  list(name: string): string | undefined {
    let out: string | undefined;
    const raw = this.raw;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length === name.length && k.toLowerCase() === name) out = out === undefined ? raw[i + 1] : `${out}, ${raw[i + 1]}`;
    }
    return out;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every `name` with one value. */
  set(name: string, value: string): void {
    this.remove(name);
    this.raw.push(name, value);
  }

  /** Adds a value, keeping those already there. */
  append(name: string, value: string): void {
    this.raw.push(name, value);
  }

  remove(name: string): void {
    const lower = name.toLowerCase();
    const raw = this.raw;
    let w = 0;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i]!;
      if (k.length === lower.length && k.toLowerCase() === lower) continue;
      raw[w++] = k;
      raw[w++] = raw[i + 1]!;
    }
    // Not `raw.length = w`: setting an array's length is a runtime call on every request even when
    // nothing was removed (the common case of set() adding a new name); pop() is inlined.
    while (raw.length > w) raw.pop();
  }

  /** Adds `token` to a comma-separated list header (Vary) unless it is already listed. */
  addToken(name: string, token: string): void {
    const current = this.list(name);
    if (current === undefined) {
      this.raw.push(name, token);
      return;
    }
    const tokens = current.split(',').map((t) => t.trim().toLowerCase());
    if (tokens.includes('*') || tokens.includes(token.toLowerCase())) return;
    this.set(name, `${current}, ${token}`);
  }
}
