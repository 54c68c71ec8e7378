/** PMS's XML as the reference captures show it (shared/reference/plex-api.md §1), and answers that are not PMS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePmsIdentity } from '../../../main/core/plex/pms-client.ts';
import { parseXml, findAll } from '../../../main/core/support/xml.ts';

test('/identity as PMS 1.42 sends it', () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<MediaContainer size="0" apiVersion="1.1.1" claimed="1" machineIdentifier="2757a8d90a22f2fd9077c77b9107536981bf1a28" version="1.42.2.10156-f737b826c">\n</MediaContainer>\n';
  assert.deepEqual(parsePmsIdentity(xml), { machineIdentifier: '2757a8d90a22f2fd9077c77b9107536981bf1a28', version: '1.42.2.10156-f737b826c', claimed: true, apiVersion: '1.1.1' });
});

test('/:/prefs: entities in attribute values decode once (named and numeric), attribute order kept', () => {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<MediaContainer size="2">
<!-- a comment between settings -->
<Setting id="customConnections" label="Custom server access URLs" summary="A comma-separated list" type="text" default="" value="https://a.example:443,http://b/?x=1&amp;y=2" hidden="0" advanced="1" group="network" />
<Setting id="FriendlyName" label="Friendly name" summary="&#x201C;Caf&#233;&#x201D; &amp;lt;1&amp;gt;" type="text" default="" value="Caf&#233; &quot;Plex&quot;" hidden="0" advanced="0" group="general" />
</MediaContainer>`;
  const s = findAll(parseXml(xml), 'Setting').map((e) => e.attrs);
  assert.equal(s[0]!.value, 'https://a.example:443,http://b/?x=1&y=2');
  assert.equal(s[1]!.value, 'Café "Plex"');
  assert.equal(s[1]!.summary, '“Café” &lt;1&gt;', '&amp;lt; is the text "&lt;", not "<"');
  assert.deepEqual(Object.keys(s[0]!), ['id', 'label', 'summary', 'type', 'default', 'value', 'hidden', 'advanced', 'group']);
});

test('not PMS: an HTML login page, a truncated answer, another root element', () => {
  assert.equal(parsePmsIdentity('<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>'), null);
  assert.equal(parsePmsIdentity('<MediaContainer machineIdentifier="abc"'), null);
  assert.equal(parsePmsIdentity('<MyPlex machineIdentifier="abc"/>'), null);
  assert.equal(parsePmsIdentity('<MediaContainer size="0"/>'), null, 'no machineIdentifier');
});
