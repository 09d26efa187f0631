// The one typed contract between the UI and the back end. Types only: imported by main, preload and renderer.
// Electron implements it in preload/index.ts over IPC; web mode implements it over a WebSocket.

export type { ErrorData, Result } from '../main/common/errors.ts';
import type { Result } from '../main/common/errors.ts';

export interface AppInfo {
  version: string;
  mode: 'electron' | 'web';
  platform: string;
}

export interface HopscopeApi {
  appInfo(): Promise<Result<AppInfo>>;
}
