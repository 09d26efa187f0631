// The Electron shell: one secure window on the built renderer. The only main-side file (with ipc.ts) that imports electron.
import { app, BrowserWindow, ipcMain, shell } from 'electron';
import { join } from 'node:path';

function createWindow(): void {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Hopscope',
    webPreferences: {
      preload: join(__dirname, '../preload/index.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  void win.loadFile(join(__dirname, '../renderer/index.html'));
}

ipcMain.handle('hopscope:appInfo', () => ({
  ok: true,
  value: { version: app.getVersion(), mode: 'electron', platform: process.platform },
}));

void app.whenReady().then(createWindow);
app.on('window-all-closed', () => app.quit());
