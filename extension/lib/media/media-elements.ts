/** Every media element of a document, those inside open shadow roots (at any depth) included. */
export function mediaElementsIn(root: Document | ShadowRoot): HTMLMediaElement[] {
  const found: HTMLMediaElement[] = [];
  const walk = (node: Document | ShadowRoot) => {
    for (const element of node.querySelectorAll('*')) {
      if (element instanceof HTMLMediaElement) found.push(element);
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(root);
  return found;
}

/** The element the user sees in fullscreen, followed into open shadow roots. */
export function deepFullscreenElement(doc: Document): Element | null {
  let element = doc.fullscreenElement;
  while (element?.shadowRoot?.fullscreenElement) element = element.shadowRoot.fullscreenElement;
  return element;
}

export function playing(media: HTMLMediaElement): boolean {
  return !media.paused && !media.ended && media.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA;
}

/** Whether the user hears the element: a muted (autoplay) loop is not what they listen to. */
export function audible(media: HTMLMediaElement): boolean {
  return !media.muted && media.volume > 0;
}

export function visibleArea(media: HTMLMediaElement): number {
  const rect = media.getBoundingClientRect();
  const width = Math.min(rect.right, innerWidth) - Math.max(rect.left, 0);
  const height = Math.min(rect.bottom, innerHeight) - Math.max(rect.top, 0);
  return Math.max(0, width) * Math.max(0, height);
}
