// The offline fallback of the breached-password check: the 49,000 most common passwords from
// @zxcvbn-ts/language-common (MIT licence; its list is drawn from public password leaks),
// loaded on first use so a server whose range service answers never pays for it.

let common: Promise<Set<string>> | undefined;

type Dictionaries = { dictionary: Record<string, string[]> };

function load(): Promise<Set<string>> {
  // A CommonJS package: Node's loader names its exports, a bundle may hand them over as `default` only.
  common ??= import('@zxcvbn-ts/language-common').then((m) => {
    const list = ((m as Partial<Dictionaries>).dictionary ?? (m as { default?: Dictionaries }).default?.dictionary)?.['passwords-common'];
    if (!list) throw new Error('@zxcvbn-ts/language-common has no passwords-common dictionary');
    return new Set(list);
  });
  return common;
}

/** True when the password, lower-cased, is on the bundled list of common passwords. */
export async function isCommonPassword(password: string): Promise<boolean> {
  return (await load()).has(password.toLowerCase());
}
