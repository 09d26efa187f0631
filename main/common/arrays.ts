// In-place edits of number arrays on hot paths, without the array `splice` returns on every call (a WireGuard-heavy
// capture inserts hundreds of thousands of times: ~50 MiB of garbage as splices).

/** Puts v at position k of list, moving the rest on. */
export function insertAt(list: number[], k: number, v: number): void {
  list.push(v);
  for (let i = list.length - 1; i > k; i--) list[i] = list[i - 1];
  list[k] = v;
}

/** Takes position k out of list, moving the rest back. */
export function removeAt(list: number[], k: number): void {
  for (let i = k; i + 1 < list.length; i++) list[i] = list[i + 1];
  list.pop();
}

/**
 * The chain from `first` through `next` (-1 ends it) into `list`, replacing what it held. Its length is set only when
 * it changes: setting an array's length is a runtime call, and most chains are as long as the one before.
 */
export function chainInto(list: number[], first: number, next: ArrayLike<number>): void {
  let n = 0;
  for (let s = first; s >= 0; s = next[s]) list[n++] = s;
  if (list.length !== n) list.length = n;
}
