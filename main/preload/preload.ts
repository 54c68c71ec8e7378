/**
 * The only bridge between the sandboxed renderer and the service: `window.portico`, one async
 * function per channel of the contract plus `on(event, listener)` for push events. Built from
 * CHANNELS/EVENTS, so nothing here can drift from main/shared/api.ts. Bundled to CommonJS
 * (sandboxed preloads cannot be ES modules).
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { CHANNELS, type PorticoEvents } from '../shared/api.ts';
import { isEventName, type EventName, type PorticoBridge } from '../shared/ipc.ts';

const calls = Object.fromEntries(CHANNELS.map((c) => [c, (...args: unknown[]) => ipcRenderer.invoke(c, ...args)]));

const bridge = {
  ...calls,
  on<E extends EventName>(event: E, listener: (payload: PorticoEvents[E]) => void): () => void {
    if (!isEventName(event)) throw new Error(`window.portico.on: "${String(event)}" is not a Portico event; use one of status:changed, event:added.`);
    // The IpcRendererEvent (with its `sender`) never reaches the page: only the payload does.
    const wrapped = (_e: IpcRendererEvent, payload: PorticoEvents[E]) => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => { ipcRenderer.removeListener(event, wrapped); };
  },
} as PorticoBridge;

contextBridge.exposeInMainWorld('portico', bridge);
