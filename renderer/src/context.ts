// The controller (API + stores) handed to every component.

import { createContext, useContext, useSyncExternalStore } from 'react';

import type { Controller } from './controller.ts';
import { useApp, type AppState } from './store/appStore.ts';

export const ControllerContext = createContext<Controller | null>(null);

export function useController(): Controller {
  const c = useContext(ControllerContext);
  if (!c) throw new Error('no controller');
  return c;
}

export function useAppState<T>(pick: (s: AppState) => T): T {
  return useApp(useController().store, pick);
}

/** Re-renders when packets arrive or change; returns the store's version. */
export function usePacketsVersion(): number {
  const c = useController();
  return useSyncExternalStore(c.packets.subscribe, c.packets.getVersion);
}
