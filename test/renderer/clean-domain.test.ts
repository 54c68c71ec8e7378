import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cleanDomain } from '../../renderer/clean-domain.ts';

test('cleanDomain keeps only the host name of what people paste', () => {
  const cases: [string, string][] = [
    ['https://plex.example.com/', 'plex.example.com'],
    ['Plex.Example.com', 'plex.example.com'],
    ['  plex.example.com  ', 'plex.example.com'],
    ['http://plex.example.com:32400/web/index.html#!/server', 'plex.example.com'],
    ['plex.example.com:443', 'plex.example.com'],
    ['plex.example.com/web', 'plex.example.com'],
    ['https://user:secret@plex.example.com/?x=1', 'plex.example.com'],
    ['plex.example.com.', 'plex.example.com'],
    ['HTTPS://MYPLEX.DUCKDNS.ORG', 'myplex.duckdns.org'],
    ['', ''],
  ];
  for (const [input, want] of cases) assert.equal(cleanDomain(input), want, JSON.stringify(input));
});

test('cleanDomain leaves what is not an address for the service to refuse', () => {
  assert.equal(cleanDomain('plex_example'), 'plex_example');
  assert.equal(cleanDomain('plex example.com'), 'plex example.com');
});
