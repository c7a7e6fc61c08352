import { ui, upsertNodes, type UiNodeJson } from './ui-json.js';

/**
 * Forms in several screens (identifier-first sign-in, two-step sign-up): what the flows share to
 * move between them. Screens are built from nodes only; no method is named here.
 */

const CSRF = 'csrf_token';

const isCsrf = (n: UiNodeJson): boolean => ui.nodeName(n) === CSRF;
const clone = <T>(v: T): T => structuredClone(v);
const isButton = (n: UiNodeJson): boolean => n.type === 'input' && (n.attributes.type === 'submit' || n.attributes.type === 'button');

/** The anti-CSRF node of the form on show (browser flows have one), to carry onto the next screen. */
export function csrfNodes(nodes: readonly UiNodeJson[]): UiNodeJson[] {
  return nodes.filter(isCsrf);
}

/**
 * Two-step sign-up: which nodes of a whole form go on the first screen. `firstGroups` holds the
 * shared `default` group (traits, CSRF) and the groups of the methods that stay with the profile.
 */
export function splitScreens(nodes: readonly UiNodeJson[], firstGroups: ReadonlySet<string>): { first: UiNodeJson[]; second: UiNodeJson[] } {
  return {
    first: nodes.filter((n) => firstGroups.has(n.group)),
    second: nodes.filter((n) => !firstGroups.has(n.group)),
  };
}

/**
 * The fields typed on a first screen, carried to the next as hidden inputs holding their values
 * (the traits of a sign-up, the identifier of a sign-in), so every method's form posts them again.
 */
export function carriedFields(nodes: readonly UiNodeJson[]): UiNodeJson[] {
  return nodes
    .filter((n) => n.type === 'input' && !isCsrf(n) && !isButton(n))
    .map((n) => {
      const c = clone(n);
      c.attributes.type = 'hidden';
      c.messages = [];
      return c;
    });
}

/** Nodes from several sources as one screen: the CSRF node first, then the rest merged by name. */
export function screenNodes(csrf: readonly UiNodeJson[], ...parts: ReadonlyArray<readonly UiNodeJson[]>): UiNodeJson[] {
  return [...csrf.map(clone), ...upsertNodes(parts.flat().filter((n) => !isCsrf(n)).map(clone))];
}

/** Stored screens, without the CSRF node (the one on show is carried over instead). */
export function storedScreen(nodes: readonly UiNodeJson[]): UiNodeJson[] {
  return nodes.filter((n) => !isCsrf(n)).map(clone);
}
