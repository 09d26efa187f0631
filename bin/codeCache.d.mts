import type fs from 'node:fs';
import type Module from 'node:module';
import type path from 'node:path';
import type vm from 'node:vm';

export interface BundleRun {
  exports: Record<string, unknown>;
  /** What V8 did with the cache: took it, rejected it (another Node or other flags), or there was none. */
  cache: 'used' | 'rejected' | 'none';
  /** Writes the cache when there was none or it was rejected; never throws. */
  save: () => void;
}

export function runBundle(
  deps: { fs: typeof fs; Module: typeof Module; path: typeof path; vm: typeof vm },
  file: string,
  key: string,
): BundleRun;
export function runCachedBundle(file: string, key: string): BundleRun;
