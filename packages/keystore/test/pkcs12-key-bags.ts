/**
 * PKCS#12 files with several shrouded key bags, which OpenSSL's `pkcs12 -export` cannot write:
 * each key is encrypted under a password of its own, and the file's MAC under the first.
 */
import * as pkijs from 'pkijs';

const OID_SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';

/** One key bag of {@link pkcs12WithKeyBags}: PKCS#8 DER and the password that encrypts it. */
export interface KeyBagInput {
  readonly privateKey: Uint8Array;
  readonly password: string;
}

/** Writes a PKCS#12 file whose one plain safe contains a PBES2 shrouded key bag per input. */
export async function pkcs12WithKeyBags(
  crypto: Crypto,
  bags: readonly [KeyBagInput, ...KeyBagInput[]],
): Promise<Uint8Array> {
  const engine = new pkijs.CryptoEngine({ name: 'test', crypto });
  const encoder = new TextEncoder();
  const safeBags: pkijs.SafeBag[] = [];
  for (const bag of bags) {
    const keyBag = new pkijs.PKCS8ShroudedKeyBag({
      parsedValue: pkijs.PrivateKeyInfo.fromBER(bag.privateKey.slice()),
    });
    await keyBag.makeInternalValues(
      {
        password: encoder.encode(bag.password).buffer,
        contentEncryptionAlgorithm: {
          name: 'AES-CBC',
          length: 256,
        } as pkijs.ContentEncryptionAlgorithm,
        hmacHashAlgorithm: 'SHA-256',
        iterationCount: 2048,
      },
      engine,
    );
    safeBags.push(new pkijs.SafeBag({ bagId: OID_SHROUDED_KEY_BAG, bagValue: keyBag }));
  }
  const authenticatedSafe = new pkijs.AuthenticatedSafe({
    parsedValue: {
      safeContents: [{ privacyMode: 0, value: new pkijs.SafeContents({ safeBags }) }],
    },
  });
  await authenticatedSafe.makeInternalValues({ safeContents: [{}] }, engine);
  const pfx = new pkijs.PFX({ parsedValue: { integrityMode: 0, authenticatedSafe } });
  await pfx.makeInternalValues(
    {
      password: encoder.encode(bags[0].password).buffer,
      iterations: 2048,
      pbkdf2HashAlgorithm: { name: 'SHA-256' },
      hmacHashAlgorithm: 'SHA-256',
    },
    engine,
  );
  return new Uint8Array(pfx.toSchema().toBER(false));
}
