/**
 * Constant limits on untrusted input. Every parser checks them before it allocates or recurses, and
 * raises `LimitExceededError` when one is passed.
 *
 * The SIP core in front of the MCPTT server relays at most about 64 KiB per message over WebSocket
 * (Kamailio's websocket module), so the message limit leaves room for that and no more.
 *
 * @module
 */

/** Maximum size in bytes of a whole SIP message, start line, headers and body included. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Maximum size in bytes of the header section of a SIP message or a MIME entity. */
export const MAX_HEADER_SECTION_BYTES = 32 * 1024;

/** Maximum number of header fields in one SIP message or MIME entity. */
export const MAX_HEADER_COUNT = 256;

/** Maximum size in bytes of one body or body part after transfer decoding. */
export const MAX_BODY_BYTES = 256 * 1024;

/** Maximum number of parts in one multipart body. */
export const MAX_MULTIPART_PARTS = 32;

/**
 * Maximum depth of nested MIME entities and CMS layers together. Sign-then-encrypt of a
 * multipart/mixed needs 4 (mixed, pkcs7-mime, signed, mixed); the rest is headroom.
 */
export const MAX_NESTING_DEPTH = 8;

/**
 * Maximum number of CMS layers that one message may make unprotect open: envelopes to decrypt
 * and signatures to verify, side by side or nested. Sign-then-encrypt and encrypt-then-sign
 * need 2, a triple wrap 3, and a peer that signs and encrypts each of four sensitive parts on its
 * own 8. Without it, a message of nested multiparts could carry hundreds of envelopes, which
 * anyone can make for a public certificate, and each would be opened.
 */
export const MAX_CMS_LAYERS = 8;

/** Maximum number of recipients in one EnvelopedData or AuthEnvelopedData. */
export const MAX_RECIPIENTS = 16;

/** Maximum number of certificates carried in one SignedData. */
export const MAX_CERTIFICATES = 16;

/** Maximum length of a certificate chain from the signer to a trust anchor. */
export const MAX_CHAIN_LENGTH = 6;

/**
 * Maximum size in bytes of one certificate revocation list given to `parseRevocationList`. A CRL
 * entry with a reason code takes about 40 bytes, so this leaves room for MAX_REVOCATION_LIST_ENTRIES.
 */
export const MAX_REVOCATION_LIST_BYTES = 1024 * 1024;

/** Maximum number of revoked certificates listed in one certificate revocation list. */
export const MAX_REVOCATION_LIST_ENTRIES = 20_000;

/**
 * Maximum nesting depth of a DER or BER structure. A CMS body of at most MAX_BODY_BYTES never
 * nests deeper; deeper input is rejected as malformed (400).
 */
export const MAX_DER_DEPTH = 64;

/**
 * Maximum number of elements in one DER or BER structure, the default of the reader; a caller
 * such as the CRL reader may allow more. Like MAX_DER_DEPTH, more is rejected as malformed.
 */
export const MAX_DER_ELEMENTS = 20_000;

/**
 * Maximum depth of constructed chunks inside one OCTET STRING in the constructed BER form, which
 * RFC 5652 §5.2 allows for eContent. Deeper input is rejected as malformed (400).
 */
export const MAX_OCTET_STRING_DEPTH = 4;

/**
 * Maximum length in bytes of the aes-nonce of AES-GCM parameters (RFC 5084 §3.2, which recommends
 * 12 bytes). A longer or empty nonce is rejected as malformed (400).
 */
export const MAX_GCM_NONCE_BYTES = 64;

/** Line width of base64 output, as RFC 2045 §6.8 requires (at most 76 characters). */
export const BASE64_LINE_WIDTH = 76;
