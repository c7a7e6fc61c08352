// Typed strings that html/template trusts in a given context (Go's template.HTML, JS, URL ...).
// Wrap only content from a trusted source: it is inserted without escaping.

export type ContentKind = 'HTML' | 'HTMLAttr' | 'JS' | 'JSStr' | 'CSS' | 'URL' | 'Srcset';

export class SafeContent {
  constructor(
    readonly kind: ContentKind,
    readonly value: string,
  ) {}
  toString(): string {
    return this.value;
  }
  /** Go's fmt prints the underlying string. */
  String(): string {
    return this.value;
  }
}

/** Trusted HTML: inserted verbatim in HTML text. */
export const safeHTML = (s: string) => new SafeContent('HTML', s);
/** A trusted attribute fragment, e.g. ` dir="ltr"`. */
export const safeHTMLAttr = (s: string) => new SafeContent('HTMLAttr', s);
/** A trusted JS expression. */
export const safeJS = (s: string) => new SafeContent('JS', s);
/** Trusted text for inside a JS string literal. */
export const safeJSStr = (s: string) => new SafeContent('JSStr', s);
/** Trusted CSS. */
export const safeCSS = (s: string) => new SafeContent('CSS', s);
/** A trusted URL (any scheme is allowed through). */
export const safeURL = (s: string) => new SafeContent('URL', s);
/** A trusted srcset attribute value. */
export const safeSrcset = (s: string) => new SafeContent('Srcset', s);
