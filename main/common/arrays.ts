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
