// Renderer entry: one controller (API + stores) for the whole window.

import { createRoot } from 'react-dom/client';

import { getApi } from './api/index.ts';
import { App } from './App.tsx';
import { ControllerContext } from './context.ts';
import { Controller } from './controller.ts';
import { AppStore } from './store/appStore.ts';
import './styles/app.css';

const controller = new Controller(getApi(), new AppStore());
controller.start();
(window as unknown as { __hopscope: Controller }).__hopscope = controller;

createRoot(document.getElementById('root')!).render(
  <ControllerContext.Provider value={controller}>
    <App />
  </ControllerContext.Provider>,
);
