/**
 * Sign-in through plex.tv with a PIN: start, poll, keep the token once the account proves to own
 * this server. Also the one place that builds the plex.tv client, with Portico's persistent
 * client identifier (plex.tv ties PINs and tokens to it).
 */
import { DataDir } from '../support/data-dir.ts';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import type { PinSignIn } from '../../shared/api.ts';
import { err, ok, type AppError, type Result } from '../../shared/result.ts';
import type { Clock } from '../support/clock.ts';
import type { Logger } from '../support/logger.ts';
import type { HttpText } from '../support/http-text.ts';
import type { SecretStore } from '../support/secret-store.ts';
import { writeFileAtomic } from '../support/atomic-file.ts';
import { PmsClient } from './pms-client.ts';
import { PlexTvClient, type PlexPin } from './plex-tv-client.ts';

export const TOKEN_SECRET = 'plex.token';

export interface PlexTvSignInOptions {
  /** PMS's URL: the signed-in account must own this server. */
  pmsUrl: string;
  dataDir: string;
  secrets: SecretStore;
  logger: Logger;
  clock: Clock;
  plexTvBaseUrl?: string;
  /** The HTTP client (tests wrap the real one). */
  http?: HttpText;
}

export function notOwnerError(url: string, username?: string): AppError {
  return {
    code: 'plex-not-owner',
    message: `The Plex account${username ? ` "${username}"` : ''} is not the owner of the Plex Media Server at ${url}, so it may not change its settings.`,
    fix: 'Sign in to Plex from Portico with the account that owns this server (Plex Web > Settings > General shows it).',
  };
}

export class PlexTvSignIn {
  private readonly o: PlexTvSignInOptions;
  private pin: PlexPin | null = null;
  private clientId: string | undefined;

  constructor(o: PlexTvSignInOptions) {
    this.o = o;
  }

  async start(): Promise<Result<PinSignIn>> {
    const tv = await this.tv();
    const r = await tv.createPin();
    if (!r.ok) return r;
    this.pin = r.value;
    this.o.logger.info('plex.tv sign-in started', { pinId: r.value.id, expiresAt: r.value.expiresAt });
    return ok({ authUrl: tv.authUrl(r.value), code: r.value.code, expiresAt: r.value.expiresAt });
  }

  /** 'signed-in' only once the token is stored in the secret store. */
  async poll(): Promise<Result<{ state: 'waiting' | 'signed-in' | 'expired' }>> {
    const pin = this.pin;
    if (!pin) return err({ code: 'plex-signin-not-started', message: 'No Plex sign-in is in progress, so there is nothing to wait for.', fix: 'Start the sign-in again (Plex > Sign in).' });
    const tv = await this.tv();
    const r = await tv.pollPin(pin.id);
    if (!r.ok) return r;
    if (r.value.state === 'expired') {
      this.pin = null;
      return ok({ state: 'expired' });
    }
    if (r.value.state === 'waiting') return ok({ state: 'waiting' });
    const token = r.value.token;
    this.o.logger.addSecret(token);
    const owner = await this.checkOwner(tv, token);
    this.pin = null;
    if (!owner.ok) return owner;
    await this.o.secrets.set(TOKEN_SECRET, token);
    this.o.logger.info('signed in to plex.tv');
    return ok({ state: 'signed-in' });
  }

  async tv(): Promise<PlexTvClient> {
    return new PlexTvClient({ baseUrl: this.o.plexTvBaseUrl, clientIdentifier: await this.clientIdentifier(), product: 'Portico', http: this.o.http, clock: this.o.clock });
  }

  private async clientIdentifier(): Promise<string> {
    if (this.clientId) return this.clientId;
    const path = new DataDir(this.o.dataDir).plexClient;
    try {
      const v = JSON.parse(await readFile(path, 'utf8')) as { clientIdentifier?: string };
      if (typeof v.clientIdentifier === 'string' && v.clientIdentifier) this.clientId = v.clientIdentifier;
    } catch { /* first run: create one below */ }
    if (!this.clientId) {
      this.clientId = randomUUID();
      await writeFileAtomic(path, JSON.stringify({ clientIdentifier: this.clientId }, null, 2) + '\n');
    }
    return this.clientId;
  }

  private async checkOwner(tv: PlexTvClient, token: string): Promise<Result<void>> {
    const id = await new PmsClient(this.o.pmsUrl, null, { http: this.o.http }).identity();
    if (!id.ok) return ok(undefined); // PMS is down: ownership is checked again on connect
    const res = await tv.resources(token);
    if (!res.ok) return res;
    const mine = res.value.find((r) => r.clientIdentifier === id.value.machineIdentifier);
    if (!mine || !mine.owned) {
      const u = await tv.user(token);
      return err(notOwnerError(this.o.pmsUrl, u.ok ? u.value.username : undefined));
    }
    return ok(undefined);
  }
}
