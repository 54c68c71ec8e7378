/**
 * PKCS#12 (.p12/.pfx) of key + leaf + chain for Plex Media Server's own "custom certificate"
 * setting. Built with node-forge's ASN.1 and PKCS#12 primitives rather than
 * `forge.pkcs12.toPkcs12Asn1`, which only takes RSA keys (our default is ECDSA P-256).
 * Encryption: key bag pbeWithSHAAnd3-KeyTripleDES-CBC, certificates unencrypted, MAC HMAC-SHA1,
 * 2048 iterations: the combination every Windows version and every OpenSSL (PMS links
 * OpenSSL) reads, and OpenSSL 3 opens it without `-legacy` (only RC2 needs that).
 */
import forge from 'node-forge';
import { createPrivateKey, X509Certificate, createHash } from 'node:crypto';

const { asn1, pki } = forge;

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

const seq = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const oid = (o: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(o).getBytes());
const octets = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
const ctx0 = (items: forge.asn1.Asn1[]) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, items);
const dataContent = (inner: forge.asn1.Asn1) => seq([oid(pki.oids.data!), ctx0([octets(asn1.toDer(inner).getBytes())])]);

export function exportPkcs12(keyPem: string, chainPem: string, passphrase: string, friendlyName = 'Portico'): Buffer {
  const certs = pemBlocks(chainPem).map((p) => new X509Certificate(p).raw);
  if (certs.length === 0) throw new Error('no certificate in the chain to export');
  const localKeyId = createHash('sha1').update(certs[0]!).digest().toString('binary');
  const attrs = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [
    seq([oid(pki.oids.localKeyId!), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [octets(localKeyId)])]),
    seq([oid(pki.oids.friendlyName!), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SET, true, [asn1.create(asn1.Class.UNIVERSAL, asn1.Type.BMPSTRING, false, friendlyName)])]),
  ]);

  const certBags = certs.map((der, i) => seq([
    oid(pki.oids.certBag!),
    ctx0([seq([oid(pki.oids.x509Certificate!), ctx0([octets(der.toString('binary'))])])]),
    ...(i === 0 ? [attrs] : []),
  ]));

  const pkcs8 = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
  const keyInfo = asn1.fromDer(forge.util.createBuffer(pkcs8.toString('binary')));
  const encrypted = pki.encryptPrivateKeyInfo(keyInfo, passphrase, { algorithm: '3des', count: 2048, saltSize: 8 });
  const keyBag = seq([oid(pki.oids.pkcs8ShroudedKeyBag!), ctx0([encrypted]), attrs]);

  const safe = seq([dataContent(seq(certBags)), dataContent(seq([keyBag]))]);
  const macSalt = forge.random.getBytesSync(8);
  const macKey = forge.pkcs12.generateKey(passphrase, forge.util.createBuffer(macSalt), 3, 2048, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(asn1.toDer(safe).getBytes());
  const macData = seq([
    seq([seq([oid(pki.oids.sha1!), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]), octets(hmac.getMac().getBytes())]),
    octets(macSalt),
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(2048).getBytes()),
  ]);
  const pfx = seq([
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(3).getBytes()),
    dataContent(safe),
    macData,
  ]);
  return Buffer.from(asn1.toDer(pfx).getBytes(), 'binary');
}
