export function workerShim(moduleFile: string, cjsFile?: string | null): string;
