/**
 * The rule for the password of the dashboard on the local network, shared by the service (which
 * enforces it) and the dashboard's form (which says so before sending). Pure.
 */

/** Long enough to resist guessing over the network with the login limit; what a phone keyboard can type. */
export const MIN_PASSWORD_LENGTH = 8;
/** scrypt takes any length; this keeps a pasted novel from costing anything before it is refused. */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The fixed user name of the sign-in page and of the form that sets the password (a hidden field in
 * both): the dashboard has one password and no users, but password managers file a password under
 * a user name, so the one saved when setting it is the one offered when signing in.
 */
export const LAN_USERNAME = 'portico';

/** Why a new password is not acceptable, in words for the person typing it; undefined when it is. */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string' || password.length === 0) return 'Enter a password.';
  if ([...password].length < MIN_PASSWORD_LENGTH) return `The password is too short: use at least ${MIN_PASSWORD_LENGTH} characters (a few words make a good one).`;
  if (password.length > MAX_PASSWORD_LENGTH) return `The password is too long: use at most ${MAX_PASSWORD_LENGTH} characters.`;
  return undefined;
}
