// The cache plugin's store: responses by host + target, each with the request header values its
// Vary names, bounded by entry count and bytes (least recently used evicted first). A stale
// response is kept only when it has a validator (ETag or Last-Modified) to revalidate it with.

export interface CachedResponse {
  status: number;
  /** Response headers as stored (hop-by-hop already gone). */
  headers: string[];
  body: Buffer;
  /** When it was stored or last revalidated (Age counts from here). */
  storedAt: number;
  /** Fresh until then; a `no-cache` response is stale from the start. */
  expiresAt: number;
  /** Its ETag and Last-Modified values (undefined: none). */
  etag: string | undefined;
  lastModified: string | undefined;
  /** Lower-case names the response varies on, with the request's values when stored. */
  vary: [name: string, value: string][];
}

const MAX_VARIANTS = 8;

export class ResponseStore {
  private readonly byKey = new Map<string, CachedResponse[]>();
  private bytes = 0;
  private entries = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get size(): { entries: number; bytes: number } {
    return { entries: this.entries, bytes: this.bytes };
  }

  /**
   * The variant matching `header` (the request's header values), refreshed as recently used: fresh
   * (`expiresAt > now`), or stale with a validator. A stale one without a validator is dropped.
   */
  get(key: string, header: (name: string) => string | undefined, now: number): CachedResponse | undefined {
    const variants = this.byKey.get(key);
    if (!variants) return undefined;
    for (let i = 0; i < variants.length; i++) {
      const v = variants[i]!;
      if (!v.vary.every(([n, value]) => (header(n) ?? '') === value)) continue;
      if (v.expiresAt <= now && v.etag === undefined && v.lastModified === undefined) {
        this.drop(key, i);
        return undefined;
      }
      this.byKey.delete(key); // re-insert: Map order is the recency order
      this.byKey.set(key, variants);
      return v;
    }
    return undefined;
  }

  put(key: string, entry: CachedResponse): void {
    if (entry.body.length > this.maxBytes) return;
    let variants = this.byKey.get(key);
    if (variants) {
      const same = variants.findIndex(
        (v) =>
          v.vary.length === entry.vary.length && v.vary.every(([n, value], i) => entry.vary[i]![0] === n && entry.vary[i]![1] === value),
      );
      if (same !== -1) this.drop(key, same);
      else if (variants.length >= MAX_VARIANTS) this.drop(key, 0);
      variants = this.byKey.get(key);
    }
    if (!variants) variants = [];
    this.byKey.delete(key);
    this.byKey.set(key, variants);
    variants.push(entry);
    this.entries++;
    this.bytes += entry.body.length;
    while ((this.entries > this.maxEntries || this.bytes > this.maxBytes) && this.byKey.size > 0) {
      const oldest = this.byKey.keys().next().value!;
      this.drop(oldest, 0);
    }
  }

  /** Drops `entry` (by identity) if it is still stored under `key`. */
  delete(key: string, entry: CachedResponse): void {
    const variants = this.byKey.get(key);
    const at = variants ? variants.indexOf(entry) : -1;
    if (at !== -1) this.drop(key, at);
  }

  clear(): void {
    this.byKey.clear();
    this.entries = 0;
    this.bytes = 0;
  }

  private drop(key: string, index: number): void {
    const variants = this.byKey.get(key);
    if (!variants) return;
    const [gone] = variants.splice(index, 1);
    if (gone) {
      this.entries--;
      this.bytes -= gone.body.length;
    }
    if (variants.length === 0) this.byKey.delete(key);
  }
}
