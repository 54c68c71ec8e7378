/**
 * Why a fetch() threw, in the words an error message shows: 'connection refused', 'no answer
 * within 15 s', else the system's code (ENOTFOUND, ECONNRESET…). One wording for every client
 * that talks HTTP (PMS, plex.tv), so the same failure reads the same wherever it appears.
 */
export function fetchFailure(e: unknown, timeoutMs: number): string {
  const x = e as { name?: string; message?: string; cause?: { code?: string; message?: string } } | null;
  if (x?.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  const code = x?.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  return code ?? x?.cause?.message ?? x?.name ?? String(e);
}
