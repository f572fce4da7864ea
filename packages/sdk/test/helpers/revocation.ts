/** Revocation lists of the SDK tests' CA, made with `openssl ca`. */
import { join } from 'node:path';
import { parseRevocationList, type RevocationList } from '@mcptt-smime/smime';
import { opensslCrl } from '../../../smime/test/cms/openssl-crl.js';
import { createKeyStores } from './pki.js';

const HOUR = 3600 * 1000;

/**
 * Makes a list of the test CA that revokes the given serial numbers an hour before the PKI's
 * time, current from an hour before it to a day after it.
 */
export async function revocationList(serials: readonly number[]): Promise<RevocationList> {
  const { pki } = await createKeyStores();
  const made = opensslCrl({
    caCertificate: pki.caPath,
    caKey: join(pki.dir, 'ca.key.pem'),
    indexEntries: serials.map((serial) => ({
      serial,
      revocationDate: new Date(pki.now.getTime() - HOUR),
      reason: 'keyCompromise',
    })),
    lastUpdate: new Date(pki.now.getTime() - HOUR),
    nextUpdate: new Date(pki.now.getTime() + 24 * HOUR),
  });
  return parseRevocationList(made.der);
}
