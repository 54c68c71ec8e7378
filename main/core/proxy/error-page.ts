import { HSTS_HEADER } from './response-framing.ts';

/** The door's own small answers (400/408/431/502/504...), as raw HTTP/1.1 bytes ending the connection. */
const REASONS: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

const HINTS: Record<number, string> = {
  502: 'Portico is running, but the server behind it (usually Plex Media Server) is not answering. Check that it is running; this page goes away by itself when it is back.',
  504: 'Portico is running, but the server behind it (usually Plex Media Server) took too long to answer. Try again; if it keeps happening, restart Plex Media Server.',
};

/** What a 405 must list (RFC 9110 15.5.6): the methods Plex and web apps use. */
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH';

export function errorPage(status: number, why: string, hsts = false): Buffer {
  const reason = REASONS[status] ?? 'Error';
  const hint = HINTS[status] ?? 'The request was refused by Portico.';
  const body = `<!doctype html><meta charset="utf-8"><title>${status} ${reason}</title>` +
    `<h1>${status} ${reason}</h1><p>${escapeHtml(why)}.</p><p>${hint}</p>\n`;
  const head = `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Cache-Control: no-store\r\nConnection: close\r\n${status === 405 ? `Allow: ${ALLOWED_METHODS}\r\n` : ''}${hsts ? `${HSTS_HEADER}\r\n` : ''}\r\n`;
  return Buffer.from(head + body, 'utf8');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
