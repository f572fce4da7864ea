/**
 * Reads the SIP core's body log through the dev server, so that the security panel can show the
 * bytes the core relayed beside what the app got.
 *
 * @module
 */

/** One body the core relayed, as the dev server returns it. */
export interface CoreBody {
  readonly kind: 'request' | 'reply';
  /** Request method, or the CSeq method of a reply. */
  readonly method: string;
  readonly status: number | undefined;
  readonly callId: string;
  readonly body: string;
}

/**
 * Fetches the bodies that the core logged for one Call-ID. The endpoint exists only in dev mode;
 * elsewhere the panel says that the log is not available.
 */
export async function fetchCoreBodies(url: string, callId: string): Promise<CoreBody[]> {
  const response = await fetch(`${url}?call-id=${encodeURIComponent(callId)}`);
  if (!response.ok) throw new Error(`SIP core body log not available: HTTP ${response.status}`);
  const value: unknown = await response.json();
  return Array.isArray(value) ? (value as CoreBody[]) : [];
}

/**
 * Picks the logged bodies that belong to one record: a request by its method, a response such as
 * `200 INVITE` by its status and method.
 */
export function matchCoreBodies(bodies: readonly CoreBody[], method: string): CoreBody[] {
  const [first, second] = method.split(' ');
  if (second === undefined) return bodies.filter((b) => b.kind === 'request' && b.method === first);
  return bodies.filter(
    (b) => b.kind === 'reply' && String(b.status) === first && b.method === second,
  );
}
