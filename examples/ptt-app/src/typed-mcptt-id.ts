/**
 * The MCPTT ID as the user types it into the enrolment form.
 *
 * @module
 */

/** A URI scheme at the start of the text, such as `sip:` or `tel:` (RFC 3986 §3.1). */
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Returns the ID without surrounding white space, with `sip:` in front when the user typed an
 * address such as `bob@mcptt.example` without a scheme. Any other input comes back trimmed, for
 * the keystore to accept or reject.
 */
export function normaliseMcpttId(input: string): string {
  const id = input.trim();
  return !SCHEME.test(id) && id.includes('@') ? `sip:${id}` : id;
}
