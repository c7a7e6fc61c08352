type SchemaObject = { properties?: Record<string, SchemaObject>; 'ory.sh/kratos'?: { credentials?: { passkey?: { display_name?: boolean }; webauthn?: { identifier?: boolean } } } };

/**
 * The registration input (`traits.<key>`) whose value names a new passkey on the authenticator:
 * the trait marked `passkey.display_name`, else the one marked `webauthn.identifier`; empty when
 * the schema marks none (the authenticator then shows no name).
 */
export function displayNameFieldOf(schema: unknown): string {
  const traits = (schema as SchemaObject | null)?.properties?.traits?.properties ?? {};
  const entries = Object.entries(traits);
  const marked = (pick: (c: NonNullable<NonNullable<SchemaObject['ory.sh/kratos']>['credentials']>) => boolean | undefined) =>
    entries.find(([, p]) => {
      const c = p?.['ory.sh/kratos']?.credentials;
      return c ? pick(c) === true : false;
    })?.[0];
  const key = marked((c) => c.passkey?.display_name) ?? marked((c) => c.webauthn?.identifier);
  return key ? `traits.${key}` : '';
}
