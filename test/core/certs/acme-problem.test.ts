import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainProblem } from '../../../main/core/certs/acme-problem.ts';

const P = 'urn:ietf:params:acme:error:';

test('acme problem: a validation that could not connect is a connection problem, whatever type the CA chose', () => {
  for (const type of ['connection', 'unauthorized', 'incorrectResponse']) {
    const x = explainProblem({ type: `${P}${type}`, detail: 'Failed to connect to 127.0.0.1:443 for the tls-alpn-01 challenge' }, { caName: 'CA', challenge: 'tls-alpn-01' });
    assert.equal(x.code, 'acme-challenge-unreachable', type);
    assert.match(x.fix, /Forward public port 443/);
  }
});

test('acme problem: a wrong answer stays a wrong answer', () => {
  const x = explainProblem({ type: `${P}unauthorized`, detail: 'Incorrect validation certificate for tls-alpn-01 challenge' }, { caName: 'CA', challenge: 'tls-alpn-01' });
  assert.equal(x.code, 'acme-challenge-failed');
  assert.match(x.message, /wrong answer/);
});
