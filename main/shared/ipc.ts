/**
 * Helpers derived from the contract in api.ts, shared by the preload, the IPC handlers and the
 * renderer's client, so no side keeps its own list of channels or events.
 */
import type { PorticoApiClient, PorticoEvents } from './api.ts';

export type EventName = keyof PorticoEvents;
/** A record, not a list, so adding an event to PorticoEvents fails to compile until it is added here. */
const EVENT_KEYS: Record<EventName, true> = { 'status:changed': true, 'event:added': true };
export const EVENTS: readonly EventName[] = Object.keys(EVENT_KEYS) as EventName[];

/** What the preload exposes as `window.portico`: every channel as an async call, plus push events. */
export type PorticoBridge = PorticoApiClient & {
  on<E extends EventName>(event: E, listener: (payload: PorticoEvents[E]) => void): () => void;
};

export const isEventName = (x: unknown): x is EventName => typeof x === 'string' && Object.hasOwn(EVENT_KEYS, x);
