export function workerShim(moduleFile: string): string;
