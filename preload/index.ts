// Electron preload (built as CommonJS: sandboxed preloads cannot load ES modules). Exposes HopscopeApi to the
// renderer one line per method; the Electron event object never crosses, and every on… returns an unsubscribe.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { HopscopeApi, Unsubscribe } from './api.ts';

const call = (method: string, req?: unknown) => ipcRenderer.invoke(`hopscope:${method}`, req);

function on<T>(event: string, cb: (payload: T) => void): Unsubscribe {
  const listener = (_e: IpcRendererEvent, payload: T) => cb(payload);
  ipcRenderer.on(`hopscope:event:${event}`, listener);
  return () => void ipcRenderer.removeListener(`hopscope:event:${event}`, listener);
}

const api: HopscopeApi = {
  appInfo: () => call('appInfo'),
  openSample: () => call('openSample'),
  openPaths: (req) => call('openPaths', req),
  openFiles: (req) => call('openFiles', req),
  getSession: (req) => call('getSession', req),
  closeSession: (req) => call('closeSession', req),
  getPackets: (req) => call('getPackets', req),
  getSummaries: (req) => call('getSummaries', req),
  getPacketDetail: (req) => call('getPacketDetail', req),
  listJourneys: (req) => call('listJourneys', req),
  getJourney: (req) => call('getJourney', req),
  setClockOverride: (req) => call('setClockOverride', req),
  exportSession: (req) => call('exportSession', req),
  onExportProgress: (cb) => on('exportProgress', cb),
  onSessionChanged: (cb) => on('sessionChanged', cb),
  onSessionProgress: (cb) => on('sessionProgress', cb),
  onPacketBatch: (cb) => on('packetBatch', cb),
  listSshAliases: (req) => call('listSshAliases', req),
  listNodes: () => call('listNodes'),
  addNode: (req) => call('addNode', req),
  removeNode: (req) => call('removeNode', req),
  updateNode: (req) => call('updateNode', req),
  connectNode: (req) => call('connectNode', req),
  disconnectNode: (req) => call('disconnectNode', req),
  answerHostKey: (req) => call('answerHostKey', req),
  listHostKeyPrompts: () => call('listHostKeyPrompts'),
  onHostKeyPrompt: (cb) => on('hostKeyPrompt', cb),
  onHostKeyPromptClosed: (cb) => on('hostKeyPromptClosed', cb),
  answerLogin: (req) => call('answerLogin', req),
  listLoginPrompts: () => call('listLoginPrompts'),
  onLoginPrompt: (cb) => on('loginPrompt', cb),
  onLoginPromptClosed: (cb) => on('loginPromptClosed', cb),
  onNodeStatus: (cb) => on('nodeStatus', cb),
  validateFilter: (req) => call('validateFilter', req),
  startCapture: (req) => call('startCapture', req),
  stopCapture: () => call('stopCapture'),
  onCaptureStats: (cb) => on('captureStats', cb),
  labStatus: () => call('labStatus'),
  labUp: (req) => call('labUp', req),
  labDown: () => call('labDown'),
  labTraffic: (req) => call('labTraffic', req),
};

contextBridge.exposeInMainWorld('hopscope', api);
