/**
 * A stand-in for the GitHub release feed electron-updater's GitHubProvider reads (as for GitHub
 * Enterprise, which a `host` option selects): the releases Atom feed, the latest-release API and
 * the channel files (latest.yml, latest-mac.yml, latest-linux.yml) of each release.
 */
import { createServer, type Server } from 'node:http';

export interface StandInRelease { tag: string; files: Record<string, string> }

export async function startGitHubReleases(owner: string, repo: string, releases: StandInRelease[]): Promise<{ host: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    if (path === `/${owner}/${repo}/releases.atom`) {
      res.setHeader('content-type', 'application/atom+xml');
      res.end(`<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom">${releases.map((r) =>
        `<entry><id>tag:github.com,2008:Repository/1/${r.tag}</id><link rel="alternate" type="text/html" href="https://github.com/${owner}/${repo}/releases/tag/${r.tag}"/><title>${r.tag}</title><content type="html">&lt;p&gt;Notes for ${r.tag}&lt;/p&gt;</content></entry>`).join('')}</feed>`);
      return;
    }
    if (path === `/api/v3/repos/${owner}/${repo}/releases/latest`) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ tag_name: releases[0]?.tag }));
      return;
    }
    const m = new RegExp(`^/${owner}/${repo}/releases/download/([^/]+)/([^/]+)$`).exec(path);
    const file = m && releases.find((r) => r.tag === m[1])?.files[m[2]!];
    if (file !== undefined && file !== null) { res.end(file); return; }
    res.statusCode = 404;
    res.end('Not Found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as { port: number }).port}`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
