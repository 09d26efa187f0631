// Which interface names we will ever put on a remote command line: exactly those Linux itself allows
// (dev_valid_name: 1–15 bytes, no '/', ':', whitespace, not '.' or '..') and valid UTF-8 as ip printed them.

const MAX_IFNAME_BYTES = 15; // IFNAMSIZ - 1

/** Returns why `name` is not a possible Linux interface name, or null if it is one. */
export function ifaceNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name === '') return 'empty name';
  if (name === '.' || name === '..') return 'reserved name';
  if (name.includes('\uFFFD')) return 'not valid UTF-8';
  if (Buffer.byteLength(name, 'utf8') > MAX_IFNAME_BYTES) return 'longer than 15 bytes';
  if (/[/:\s\0]/.test(name)) return "contains '/', ':', whitespace or NUL";
  if (/[\x00-\x1f\x7f]/.test(name)) return 'contains control characters';
  return null;
}
