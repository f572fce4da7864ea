/**
 * A small element builder, so that the views need no framework.
 *
 * @module
 */

type Attributes = Readonly<Record<string, string | boolean | undefined>>;
type Child = Node | string | undefined;

/**
 * Creates an element with attributes and children. A `true` attribute is set empty, `false` and
 * undefined ones are left out, and text children become text nodes (never parsed as HTML).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child !== undefined) element.append(child);
  }
  return element;
}

/**
 * Shows a sentence in an element, and after it, in smaller print, a technical detail such as a
 * SIP status.
 */
export function showWithDetail(element: HTMLElement, text: string, detail?: string): void {
  element.replaceChildren(text);
  if (detail !== undefined) element.append(' ', h('span', { class: 'detail' }, `(${detail})`));
}

/** Replaces every child of an element. */
export function replaceChildren(parent: Element, children: readonly Node[]): void {
  parent.replaceChildren(...children);
}

/** Shortens a SIP URI for display: `sip:alice@example.org` becomes `alice`. */
export function shortUri(uri: string | undefined): string {
  if (uri === undefined) return '—';
  const match = /^sips?:([^@;]+)/.exec(uri);
  return match?.[1] ?? uri;
}

/** Formats a time as HH:MM:SS in the local zone. */
export function formatTime(date: Date): string {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * Keeps one element per item in `parent`, with `elementsById` mapping item ids to them: removes the
 * elements of items that are gone, appends one made by `create` for each new item, and passes
 * every item to `update`. An element is not made anew while its item stays, so focus and a
 * pressed button survive each render.
 */
export function syncKeyed<
  Item extends { readonly id: string },
  Shown extends { readonly element: Element },
>(
  parent: Element,
  elementsById: Map<string, Shown>,
  items: readonly Item[],
  create: (item: Item) => Shown,
  update: (entry: Shown, item: Item) => void,
): void {
  const ids = new Set(items.map((item) => item.id));
  for (const [id, entry] of elementsById) {
    if (ids.has(id)) continue;
    entry.element.remove();
    elementsById.delete(id);
  }
  for (const item of items) {
    let entry = elementsById.get(item.id);
    if (entry === undefined) {
      entry = create(item);
      elementsById.set(item.id, entry);
      parent.append(entry.element);
    }
    update(entry, item);
  }
}
