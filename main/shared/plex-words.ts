/**
 * Plex sign-in words shared by the wizard, the dashboard, the CLI and the plex.tv client, so they
 * cannot drift again (the wizard said a code lasts 15 minutes, the CLI and the client 30).
 */

/**
 * Lifetime of a strong plex.tv PIN when its answer carries neither `expiresAt` nor `expiresIn`
 * (shared/reference/plex-api.md §5: `expiresIn` 1800 for `strong=true`; 900 is the 4-character PIN).
 */
export const STRONG_PIN_LIFETIME_SECONDS = 1800;

/** "within 30 minutes": how long the user has to approve a code. */
export const PIN_APPROVE_WITHIN = `within ${STRONG_PIN_LIFETIME_SECONDS / 60} minutes`;

export type TokenSource = 'config' | 'local-store' | 'signed-in' | 'none';

/** Where Portico's Plex token came from, in the words every view uses ("Plex token: <words>"). */
export const TOKEN_SOURCE_WORDS: Record<TokenSource, string> = {
  config: 'from the config file',
  'local-store': "from Plex Media Server's own settings on this computer",
  'signed-in': 'from your plex.tv sign-in',
  none: 'none yet',
};
