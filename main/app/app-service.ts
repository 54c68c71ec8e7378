/** What the Electron glue needs from the service: the API handlers, status and events, and stop. */
import type { EventRecord, PorticoApiHandlers } from '../shared/api.ts';
import type { AppStatus } from '../shared/status.ts';

export interface AppService {
  handlers: PorticoApiHandlers;
  getStatus(): AppStatus;
  onDidChangeStatus(fn: (s: AppStatus) => void): () => void;
  onDidAddEvent(fn: (e: EventRecord) => void): () => void;
  stop(): Promise<void>;
}
