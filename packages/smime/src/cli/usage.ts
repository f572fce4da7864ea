/**
 * Help texts of `mcptt-smime` and its commands.
 *
 * @module
 */

import { MAX_RECIPIENTS } from '../limits.js';

/** Help of the program as a whole. */
export const MAIN_USAGE = `Usage: mcptt-smime <command> [options]

Protects and opens S/MIME bodies of SIP messages (RFC 3261 §23, RFC 8551).
Messages are read from standard input and written to standard output. A message's
Content-Length must count its whole body, so a file with a line break added after
the body is rejected with 400.

Commands:
  protect     sign, then encrypt the sensitive body parts of a SIP message
  unprotect   decrypt and verify a protected SIP message
  inspect     print the MIME tree and the CMS structure of a SIP message, without keys
  pki init    create a demo CA and certificates with SIP URIs

Options:
  -h, --help  print the help of the program or of a command
  --debug     print stack traces of unexpected errors

Exit status:
  0   success
  1   the message was rejected: nothing on standard output, and the first line of standard
      error is the SIP status and reason a user agent would answer, such as
      '493 Undecipherable: message body could not be decrypted' (inspect: some part of the
      message could not be read)
  2   usage or local set-up error: a wrong command line (an option with a value given twice
      included), or a key, certificate, CA or CRL file that is missing, unreadable or invalid,
      a key that does not match its certificate, a recipient certificate that cannot be
      encrypted to

Run 'mcptt-smime <command> --help' for the options of a command.
`;

/** Help of `protect`. */
export const PROTECT_USAGE = `Usage: mcptt-smime protect --key KEY.pem --cert CERT.pem --recipient CERT.pem [options]

Reads a SIP message on standard input, signs its sensitive parts (every part but
application/sdp) with KEY.pem, encrypts them for every recipient and writes the protected
message to standard output. A warning goes to standard error when the signer certificate does
not name the From URI of a request or the To URI of a response, is outside its validity
period, or has a keyUsage or extKeyUsage that forbids S/MIME signing, because receivers reject
such a message with 403. Another warning names a recipient certificate outside its validity
period.

Options:
  --key FILE                  signer's private key, PEM PKCS#8 (EC P-256/P-384 or RSA 2048-4096)
  --cert FILE                 signer's certificate, PEM; further certificates in the file are
                              sent as the chain
  --recipient FILE            recipient certificate, PEM; repeat for up to ${MAX_RECIPIENTS} recipients
  --content-encryption ALG    aes-256-gcm (default), aes-128-gcm, aes-256-cbc or aes-128-cbc
  --rsa-signature SCHEME      signature scheme of an RSA key: pss (default) or pkcs1
  --protect-header NAME       copy the message's NAME header fields into a signed
                              message/sipfrag part, so that receivers reject the message when
                              they differ (RFC 3261 §23.4); repeat for more names. The message
                              must have a NAME field. With nothing else to protect, the part
                              is signed and encrypted on its own
  -h, --help                  print this help

Exit status: 0 the protected message is on standard output; 1 the message was rejected, with
the SIP status as the first line of standard error, for example 413 when the protected message
would be larger than receivers accept; 2 usage or local set-up error, such as a key that does
not match --cert, a --recipient that is a CA certificate or whose key cannot be used for
encryption, or a --protect-header NAME that the message lacks.
`;

/** Help of `unprotect`. */
export const UNPROTECT_USAGE = `Usage: mcptt-smime unprotect --key KEY.pem --cert CERT.pem --ca CA.pem [--ca CA.pem ...]
                             [--crl CRL [--crl CRL ...] [--require-crl]]

Reads a protected SIP message on standard input, decrypts it with KEY.pem, verifies every
signature against the CA certificates and checks that the signer is the From URI of a request
or the To URI of a response. With --crl, every certificate between the signer and the CA is
checked against the revocation lists of its issuer; a revoked one is rejected with 403. Lists
are read from the files only: none is fetched, and OCSP is not used.

Exit status:
  0   the plaintext message on standard output and one summary line on standard error
  1   the message was rejected: nothing on standard output, and the first line of standard
      error is the SIP status and reason a user agent would answer, for example
      '493 Undecipherable: message body could not be decrypted'
  2   usage or local set-up error: a --key, --cert, --ca or --crl file that is missing,
      unreadable or invalid, or a --key that does not match --cert; the message is not read

Options:
  --key FILE       recipient's private key, PEM PKCS#8
  --cert FILE      recipient's certificate, PEM
  --ca FILE        trust anchor certificate, PEM; repeat for several
  --crl FILE       certificate revocation list (X.509 v2 CRL), PEM 'X509 CRL' or DER;
                   repeat for several
  --require-crl    also reject a certificate that no CRL with a valid signature and a
                   nextUpdate still ahead covers; needs --crl
  -h, --help       print this help
`;

/** Help of `inspect`. */
export const INSPECT_USAGE = `Usage: mcptt-smime inspect [--json]

Reads a SIP message on standard input and prints its MIME tree and the structure of every CMS
object: content types, recipients, signers, algorithms and sizes. Needs no key and decrypts
nothing.

Exit status: 0 the tree is on standard output; 1 some part could not be read, and the tree is
printed with an error line in its place, or the message itself could not be read, with the SIP
status as the first line of standard error; 2 usage error.

Options:
  --json     print the tree as JSON
  -h, --help print this help
`;

/** Help of `pki init`. */
export const PKI_USAGE = `Usage: mcptt-smime pki init --out DIR --domain DOMAIN --user NAME [--user NAME ...] --server NAME

Creates a demo certification authority and, for every user and the server, an ECDSA P-256 key
and a certificate whose subjectAltName is the URI sip:NAME@DOMAIN. For demos and tests only.

Files written to DIR: ca.cert.pem, ca.key.pem, NAME.cert.pem and NAME.key.pem (PKCS#8).
Key files are created with mode 0600. Existing files are not overwritten: when one of them
exists, nothing is written and the exit status is 2.

Options:
  --out DIR          output directory, created when missing
  --domain DOMAIN    host part of the SIP URIs: a host name, without a port
  --user NAME        user part of a SIP URI; repeat for several users. Up to 64 letters,
                     digits and _ . ! ~ * ' ( ) + -, starting with a letter, digit or +
  --server NAME      user part of the server's SIP URI, with the same characters
  --days N           validity of the certificates in days, 1 to 3650 (default 365)
  -h, --help         print this help
`;
