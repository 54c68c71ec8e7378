/**
 * One generic loop registers an ipcMain handler for every channel of the contract, checks the
 * sender, and delegates to the service's handlers. Exceptions become an `internal-error` value
 * (Electron would pass only `message` across IPC, and the UI expects values).
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CHANNELS, type ArgsOf, type Channel, type PorticoApiHandlers } from '../shared/api.ts';

export interface IpcLogger { warn(msg: string, fields?: Record<string, unknown>): void; error(msg: string, fields?: Record<string, unknown>): void }

export class UntrustedSenderError extends Error {
  constructor(channel: string, url: string) {
    super(`Refused IPC call ${channel} from ${url || 'an unknown frame'}: only Portico's own window may call the service.`);
    this.name = 'UntrustedSenderError';
  }
}

export function registerIpcHandlers(
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: PorticoApiHandlers,
  isTrusted: (event: IpcMainInvokeEvent) => boolean,
  log: IpcLogger,
): () => void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, async (event, ...args: unknown[]) => {
      if (!isTrusted(event)) {
        log.warn('refused IPC from an untrusted frame', { channel, url: event.senderFrame?.url });
        throw new UntrustedSenderError(channel, event.senderFrame?.url ?? '');
      }
      return call(handlers, channel, args as ArgsOf<typeof channel>, log);
    });
  }
  return () => { for (const c of CHANNELS) ipc.removeHandler(c); };
}

async function call<C extends Channel>(handlers: PorticoApiHandlers, channel: C, args: ArgsOf<C>, log: IpcLogger): Promise<unknown> {
  try {
    const fn = handlers[channel] as (...a: ArgsOf<C>) => unknown;
    return await fn(...args);
  } catch (e) {
    log.error('IPC handler failed', { channel, error: e });
    return { ok: false, error: { code: 'internal-error', message: `Portico failed while handling ${channel} (${(e as Error).message}).`, fix: 'Try again; if it repeats, export diagnostics from the dashboard and report it.' } };
  }
}
