/**
 * Helpers derived from the contract in api.ts, shared by the preload, the IPC handlers and the
 * renderer's client, so no side keeps its own list of channels or events.
 */
import { CHANNELS, type Channel, type PorticoApiClient, type PorticoEvents } from './api.ts';

export type EventName = keyof PorticoEvents;
export const EVENTS: readonly EventName[] = ['status:changed', 'event:added'];

/** What the preload exposes as `window.portico`: every channel as an async call, plus push events. */
export type PorticoBridge = PorticoApiClient & {
  on<E extends EventName>(event: E, listener: (payload: PorticoEvents[E]) => void): () => void;
};

const channelSet: ReadonlySet<string> = new Set(CHANNELS);
const eventSet: ReadonlySet<string> = new Set(EVENTS);
export const isChannel = (x: unknown): x is Channel => typeof x === 'string' && channelSet.has(x);
export const isEventName = (x: unknown): x is EventName => typeof x === 'string' && eventSet.has(x);
