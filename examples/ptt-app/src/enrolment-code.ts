/**
 * The one-time enrolment code as the user types it. The demo server issues codes of eight
 * letters and digits shown as `XXXX-XXXX`, and compares them exactly.
 *
 * @module
 */

/**
 * Returns the code in the server's form: without spaces, in capitals, and with the dash after
 * the fourth character when the user typed eight characters without it. Any other input comes
 * back without spaces and in capitals, for the server to judge.
 */
export function normaliseEnrolmentCode(input: string): string {
  const code = input.replace(/\s+/g, '').toUpperCase();
  return /^[A-Z0-9]{8}$/.test(code) ? `${code.slice(0, 4)}-${code.slice(4)}` : code;
}
