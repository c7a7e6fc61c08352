// The offline fallback of the breached-password check: the 49,000 most common passwords from
// @zxcvbn-ts/language-common (MIT licence; its list is drawn from public password leaks),
// loaded on first use so a server whose range service answers never pays for it.

let common: Promise<Set<string>> | undefined;

function load(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then((m) => new Set(m.dictionary['passwords-common']));
  return common;
}

/** True when the password, lower-cased, is on the bundled list of common passwords. */
export async function isCommonPassword(password: string): Promise<boolean> {
  return (await load()).has(password.toLowerCase());
}
