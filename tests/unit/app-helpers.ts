// Shared by the app back end's tests: the value of a Result, or a thrown error naming its code.

import type { Result } from '../../preload/api.ts';

export async function ok<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}
