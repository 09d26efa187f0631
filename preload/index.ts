// Electron preload: exposes the HopscopeApi to the sandboxed renderer, one line per method.
import { contextBridge, ipcRenderer } from 'electron';
import type { HopscopeApi } from './api.ts';

const api: HopscopeApi = {
  appInfo: () => ipcRenderer.invoke('hopscope:appInfo'),
};

contextBridge.exposeInMainWorld('hopscope', api);
