/**
 * Test PKI made with the OpenSSL CLI, the independent implementation the keystore must
 * interoperate with: a CA, identities issued by it, and PKCS#12 files in the modern and legacy
 * encodings.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A folder for one test file's PKI, removed by `dispose`. */
export class TestPki {
  readonly dir = mkdtempSync(join(tmpdir(), 'keystore-pki-'));

  /** Runs openssl with the working folder as cwd and returns its stdout. */
  openssl(args: readonly string[], input?: string | Uint8Array): Buffer {
    return execFileSync('openssl', args, {
      cwd: this.dir,
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** Runs openssl and returns stdout and stderr together, for commands that report on stderr. */
  opensslReport(args: readonly string[]): string {
    const result = spawnSync('openssl', args, { cwd: this.dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args[0]} failed: ${result.stderr}`);
    return result.stdout + result.stderr;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(this.path(name), 'utf8');
  }

  readBytes(name: string): Uint8Array {
    return new Uint8Array(readFileSync(this.path(name)));
  }

  write(name: string, content: string | Uint8Array): void {
    writeFileSync(this.path(name), content);
  }

  /** Creates a self-signed P-256 CA as `<name>.key.pem` and `<name>.cert.pem`. */
  createCa(name: string): string {
    return this.createSelfSigned(name, [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
  }

  /**
   * Creates a self-signed P-256 certificate `<name>.cert.pem` and its key `<name>.key.pem`, with
   * the given X.509v3 extensions in `openssl req -addext` syntax.
   */
  createSelfSigned(name: string, extensions: readonly string[], days = 3650): string {
    this.openssl([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key.pem`,
      '-out',
      `${name}.cert.pem`,
      '-days',
      String(days),
      '-subj',
      `/CN=${name}`,
      ...extensions.flatMap((extension) => ['-addext', extension]),
    ]);
    return this.read(`${name}.cert.pem`);
  }

  /** Issues a certificate for a PEM CSR, copying its requested extensions. */
  issue(ca: string, csrPem: string, name: string, days = 365): string {
    this.write(`${name}.csr.pem`, csrPem);
    this.openssl([
      'x509',
      '-req',
      '-in',
      `${name}.csr.pem`,
      '-CA',
      `${ca}.cert.pem`,
      '-CAkey',
      `${ca}.key.pem`,
      '-CAcreateserial',
      '-days',
      String(days),
      '-copy_extensions',
      'copyall',
      '-out',
      `${name}.cert.pem`,
    ]);
    return this.read(`${name}.cert.pem`);
  }

  /** Creates an intermediate P-256 CA `<name>` issued by `ca`, and returns its PEM certificate. */
  createIntermediateCa(ca: string, name: string): string {
    return this.issue(
      ca,
      this.#request(name, 'basicConstraints=critical,CA:TRUE', 'keyCertSign,cRLSign'),
      name,
    );
  }

  /** Creates a P-256 key (`<name>.key.pem`, PKCS#8) and a certificate for `uri` issued by `ca`. */
  createIdentity(ca: string, name: string, uri: string, days = 365): { key: string; cert: string } {
    const request = this.#request(
      name,
      `subjectAltName=URI:${uri}`,
      'digitalSignature,keyAgreement',
    );
    const cert = this.issue(ca, request, name, days);
    return { key: this.read(`${name}.key.pem`), cert };
  }

  /** Creates a P-256 key `<name>.key.pem` and a PEM request with one extension and key usages. */
  #request(name: string, extension: string, keyUsage: string): string {
    this.openssl([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      `${name}.key.pem`,
      '-out',
      `${name}.req.pem`,
      '-subj',
      `/CN=${name}`,
      '-addext',
      extension,
      '-addext',
      `keyUsage=critical,${keyUsage}`,
    ]);
    return this.read(`${name}.req.pem`);
  }

  /** Writes a PKCS#12 file with OpenSSL 3's defaults (PBES2, AES-256-CBC, PBKDF2, SHA-256 MAC). */
  pkcs12(name: string, password: string, extra: readonly string[] = []): Uint8Array {
    this.openssl([
      'pkcs12',
      '-export',
      '-inkey',
      `${name}.key.pem`,
      '-in',
      `${name}.cert.pem`,
      '-passout',
      `pass:${password}`,
      '-out',
      `${name}.p12`,
      ...extra,
    ]);
    return this.readBytes(`${name}.p12`);
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Reads the notBefore of a PEM certificate with OpenSSL. */
export function notBeforeOf(pki: TestPki, certificateFile: string): Date {
  const text = pki.openssl(['x509', '-in', certificateFile, '-noout', '-startdate']).toString();
  return new Date(text.trim().replace('notBefore=', ''));
}
