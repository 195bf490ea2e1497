/**
 * The few functions of cacache 20 (npm's content-addressed cache) the response cache uses. cacache
 * ships no types, and @types/cacache lags its major versions, so these are written from its
 * README and lib/ for exactly what the cache calls.
 */
declare module "cacache" {
  export interface CacheEntry {
    key: string;
    integrity: string;
    path: string;
    size: number;
    /** Milliseconds since the epoch, when the entry was written. */
    time: number;
    metadata?: unknown;
  }

  export interface GetResult {
    data: Buffer;
    integrity: string;
    size: number;
    metadata?: unknown;
  }

  export interface PutOptions {
    metadata?: unknown;
    memoize?: boolean;
    /** The entry's time (ms since the epoch); now by default. */
    time?: number;
  }

  export interface VerifyStats {
    startTime: Date;
    endTime: Date;
    verifiedContent: number;
    reclaimedCount: number;
    reclaimedSize: number;
    badContentCount: number;
    keptSize: number;
    missingContent: number;
    rejectedEntries: number;
    totalEntries: number;
    runTime: Record<string, number>;
  }

  export interface VerifyOptions {
    concurrency?: number;
    /** Entries for which this returns false are dropped from the index (and their content collected). */
    filter?: (entry: CacheEntry) => boolean;
  }

  interface Get {
    (cache: string, key: string, opts?: { memoize?: boolean }): Promise<GetResult>;
    info(cache: string, key: string): Promise<CacheEntry | null>;
  }

  interface Rm {
    (cache: string, key: string, opts?: { removeFully?: boolean }): Promise<unknown>;
    entry(cache: string, key: string, opts?: { removeFully?: boolean }): Promise<unknown>;
    all(cache: string): Promise<void>;
  }

  const cacache: {
    get: Get;
    put(cache: string, key: string, data: string | Buffer, opts?: PutOptions): Promise<string>;
    ls(cache: string): Promise<Record<string, CacheEntry>>;
    rm: Rm;
    verify(cache: string, opts?: VerifyOptions): Promise<VerifyStats>;
    index: {
      insert(
        cache: string,
        key: string,
        integrity: string,
        opts?: { size?: number; time?: number; metadata?: unknown },
      ): Promise<CacheEntry>;
    };
  };
  export default cacache;
}
