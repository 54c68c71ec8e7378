/**
 * The one map of the data directory (certmagic's key builder): every file Portico stores is
 * named here and nowhere else, so a reader sees the whole layout in one place and two modules
 * can never disagree about a name. `ensure()` makes sure the directory is private.
 *
 *   <root>/secrets.json            secret store (0600)
 *   <root>/wizard.json             where the wizard is
 *   <root>/router-mappings.json    router port mappings Portico made (0600)
 *   <root>/ddns-state.json         last address written to dynamic DNS
 *   <root>/plex-undo.json          PMS settings before Portico changed them (0600)
 *   <root>/plex-client.json        this install's plex.tv client identifier
 *   <root>/ui-token                the headless dashboard's session token, kept across restarts (0600)
 *   <root>/ui-password             the scrypt hash of the LAN dashboard's password, never the password (0600)
 *   <root>/events.jsonl            the dashboard's events and renewal history (0600; .1 the rotation before)
 *   <root>/outside-check.json      what the CA saw of this network from the internet, and when
 *   <root>/ticket-key              the door's TLS session-ticket key, replaced daily (0600)
 *   <root>/plex-settings.lock      held while Plex settings are applied or undone
 *   <root>/placeholder/            self-signed certificate until a real one exists
 *   <root>/certs/<name>/           one certificate (see CertSetFiles), previous/ the set before
 */
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The three files of one certificate set; meta.json (with the others' hashes) is written last. */
export interface CertFiles {
  dir: string;
  /** Leaf + chain, PEM. */
  cert: string;
  /** Private key, PEM, 0600. */
  key: string;
  /** Names, issuer directory, challenge, SHA-256 of cert and key. */
  meta: string;
}

export interface CertSetFiles extends CertFiles {
  /** The set before the last renewal, served when the current one is damaged. */
  previous: CertFiles;
  /** Held while issuing, so two processes never order the same names at once. */
  lock: string;
  /** Failures and the next attempt, so a crash loop never becomes a tight retry loop. */
  retryState: string;
  /** The staging pre-flight that passed (directory, names, challenge). */
  preflight: string;
  /** The renewal time chosen inside the window, so every process shows (and uses) the same one. */
  renewal: string;
  /** PKCS#12 export for PMS's custom-certificate setting, 0600. */
  pkcs12: string;
}

export interface PlaceholderFiles extends CertFiles {
  /** The names the placeholder was made for (it is made again when they change). */
  hosts: string;
}

function certFiles(dir: string): CertFiles {
  return { dir, cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), meta: join(dir, 'meta.json') };
}

/** Directory-safe name for a set of domains (the first name; `*` becomes `_wildcard`). */
function certSetName(domains: string[]): string {
  return (domains[0] ?? 'default').replace(/^\*\./, '_wildcard.').replace(/[^a-z0-9._-]/gi, '_');
}

export class DataDir {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** Secret store: ACME account keys, the Plex token, DNS tokens, PKCS#12 passphrases. */
  get secrets(): string { return join(this.root, 'secrets.json'); }
  /** The wizard's step and answers, so closing the window resumes where the user was. */
  get wizard(): string { return join(this.root, 'wizard.json'); }
  /** Router mappings Portico made, so it removes only its own. */
  get routerMappings(): string { return join(this.root, 'router-mappings.json'); }
  /** The last address written to dynamic DNS, and when. */
  get ddnsState(): string { return join(this.root, 'ddns-state.json'); }
  /** PMS settings as they were before "apply", so "undo" restores them exactly. */
  get plexUndo(): string { return join(this.root, 'plex-undo.json'); }
  /** This install's plex.tv client identifier (X-Plex-Client-Identifier). */
  get plexClient(): string { return join(this.root, 'plex-client.json'); }
  /** The headless dashboard's session token, kept across restarts; read by `portico status` and `portico ui-link`. */
  get uiToken(): string { return join(this.root, 'ui-token'); }
  /** The scrypt hash (salt and parameters) of the password for the dashboard on the local network. */
  get uiPassword(): string { return join(this.root, 'ui-password'); }
  /** Events and renewal history, JSON lines (events.jsonl.1 is the previous rotation). */
  get events(): string { return join(this.root, 'events.jsonl'); }
  /** The CA's last look at the door from the internet (certs/outside-check.ts). */
  get outsideCheck(): string { return join(this.root, 'outside-check.json'); }
  /** The door's session-ticket key (48 bytes), so TLS sessions resume across restarts. */
  get ticketKey(): string { return join(this.root, 'ticket-key'); }
  /** Held while Plex settings are applied or undone, so two processes never interleave their undo records. */
  get plexLock(): string { return join(this.root, 'plex-settings.lock'); }
  /** The self-signed certificate served until a real one exists. */
  get placeholder(): PlaceholderFiles {
    const dir = join(this.root, 'placeholder');
    return { ...certFiles(dir), hosts: join(dir, 'hosts.json') };
  }

  /** Everything stored for the certificate of one name set. */
  certSet(domains: string[]): CertSetFiles {
    const dir = join(this.root, 'certs', certSetName(domains));
    return {
      ...certFiles(dir),
      previous: certFiles(join(dir, 'previous')),
      lock: join(dir, 'issue.lock'),
      retryState: join(dir, 'state.json'),
      preflight: join(dir, 'preflight.json'),
      renewal: join(dir, 'renewal.json'),
      pkcs12: join(dir, 'cert.p12'),
    };
  }

  /**
   * Create the directory (0700), or check an existing one: it holds keys and tokens, so a
   * directory other users can write to (they could swap in their own files) is repaired to 0700
   * when it is ours, and refused when someone else owns it. Windows has ACLs, not mode bits: skipped.
   */
  async ensure(platform: NodeJS.Platform = process.platform): Promise<{ repaired: boolean }> {
    const root = this.root;
    try {
      await mkdir(root, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw new Error(`Could not create the data directory ${root} (${(e as Error).message}); set "dataDir" to a directory the user Portico runs as can write.`, { cause: e });
    }
    if (platform === 'win32' || !process.getuid) return { repaired: false };
    const st = await stat(root);
    if (!st.isDirectory()) throw new Error(`The data directory ${root} is not a directory; set "dataDir" to a directory.`);
    if ((st.mode & 0o022) === 0) return { repaired: false };
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    if (st.uid !== process.getuid()) {
      throw new Error(`The data directory ${root} can be written by other users (mode ${mode}) and belongs to user id ${st.uid}, not to the user Portico runs as (${process.getuid()}), so Portico cannot make it private. Run "chmod 700 ${root}" as its owner, or set "dataDir" to a directory of your own.`);
    }
    await chmod(root, 0o700);
    return { repaired: true };
  }
}
