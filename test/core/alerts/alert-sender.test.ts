import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type LogRecord } from '../../../main/core/support/logger.ts';
import { AlertSender, alertFor, type AlertChannels } from '../../../main/core/alerts/alert-sender.ts';
import { startNtfy } from '../../stand-ins/ntfy.ts';
import { freePort } from '../../helpers/free-port.ts';

const ok = { state: 'ok' as const, reason: 'https://plex.example.com works' };
const warn = { state: 'warning' as const, reason: 'plex.example.com has no A record', action: 'Create an A record.', area: 'dns' as const };
const down = { state: 'error' as const, reason: 'Plex Media Server does not answer', action: 'Start Plex.', area: 'pms' as const };

test('alerts: sent on a real change of verdict, including "works again"; retries are no news', () => {
  assert.equal(alertFor(undefined, ok), null);
  assert.equal(alertFor(ok, warn)?.priority, 4);
  assert.equal(alertFor(warn, { ...warn, reason: 'still no A record' }), null);
  assert.equal(alertFor(warn, down)?.priority, 5);
  assert.match(alertFor(down, ok)?.title ?? '', /works again/);
  assert.equal(alertFor(ok, { state: 'working', reason: 'renewing' }), null);
});

function sender(channels: AlertChannels, records: LogRecord[] = []) {
  return new AlertSender({ channels: () => channels, version: '1.2.3', now: () => Date.parse('2026-12-01T10:00:00Z'), logger: createLogger({ level: 'debug', sink: (r) => records.push(r) }), dashboardUrl: () => 'http://127.0.0.1:8765/' });
}

test('alerts: a webhook gets the verdict as JSON, ntfy a message with title, priority and tags', async (t) => {
  const n = await startNtfy();
  t.after(() => n.stop());
  const s = sender({ webhook: `${n.base}/hook/abc`, ntfy: { url: `${n.base}/portico-alerts` } });
  assert.deepEqual(s.configured(), ['webhook', 'ntfy']);
  const results = await s.send(alertFor(ok, down)!);
  assert.deepEqual(results.map((r) => [r.channel, r.result.ok]), [['webhook', true], ['ntfy', true]]);
  const hook = n.received.find((r) => r.path === '/hook/abc')!;
  assert.equal(hook.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(hook.body), { event: 'health-changed', state: 'error', previous: 'ok', title: 'Portico: remote access to Plex is not working', message: 'Plex Media Server does not answer. Start Plex.', at: '2026-12-01T10:00:00.000Z', portico: { version: '1.2.3' } });
  const msg = n.received.find((r) => r.path === '/portico-alerts')!;
  assert.equal(msg.body, 'Plex Media Server does not answer. Start Plex.');
  assert.equal(msg.headers.title, 'Portico: remote access to Plex is not working');
  assert.equal(msg.headers.priority, '5');
  assert.equal(msg.headers.tags, 'rotating_light');
  assert.equal(msg.headers.click, 'http://127.0.0.1:8765/');
});

test('alerts: an ntfy topic with a token; a missing or wrong token is refused with the fix, and the token is never logged', async (t) => {
  const n = await startNtfy();
  t.after(() => n.stop());
  const records: LogRecord[] = [];
  const url = `${n.base}/${n.protectedTopic}`;
  const good = await sender({ ntfy: { url, token: n.token } }, records).test();
  assert.equal(good[0]!.result.ok, true);
  assert.equal(n.received.at(-1)!.headers.title, 'Portico: test alert');
  const none = await sender({ ntfy: { url } }, records).test();
  assert.ok(!none[0]!.result.ok && /refused the ntfy alert \(HTTP 401\)/.test(none[0]!.result.error.message));
  const wrong = await sender({ ntfy: { url, token: 'tk_wrong' } }, records).test();
  assert.ok(!wrong[0]!.result.ok && /HTTP 403/.test(wrong[0]!.result.error.message) && /access token/.test(wrong[0]!.result.error.fix ?? ''));
  assert.ok(!JSON.stringify(records).includes(n.token));
});

test('alerts: a webhook that is down or unreachable is a failure naming the host, never the secret URL', async (t) => {
  const n = await startNtfy();
  t.after(() => n.stop());
  const secretPath = '/hook/T000/B000/XXXXsecretXXXX';
  n.failNext(500);
  const records: LogRecord[] = [];
  const [down5] = await sender({ webhook: `${n.base}${secretPath}` }, records).test();
  assert.ok(!down5!.result.ok);
  assert.match(down5!.result.error.message, /^127\.0\.0\.1:\d+ answered HTTP 500 to the webhook alert\.$/);
  const closed = await freePort();
  const [gone] = await sender({ webhook: `http://127.0.0.1:${closed}${secretPath}` }, records).test();
  assert.ok(!gone!.result.ok);
  assert.match(gone!.result.error.message, /could not be reached for the webhook alert \(connection refused\)\.$/);
  const [bad] = await sender({ webhook: 'hooks.example.com/x' }, records).test();
  assert.ok(!bad!.result.ok && bad!.result.error.code === 'alert-bad-url');
  assert.ok(!JSON.stringify([down5, gone, records]).includes('XXXXsecretXXXX'));
});
