export function bundleIsFresh(root: string): boolean;
