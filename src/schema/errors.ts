/**
 * Typed errors of the identity-schema registry. They carry the schema id so that a handler can
 * render them (an unknown id is the caller's mistake; a schema that cannot be loaded is a
 * configuration problem) and an operator can see which configured schema is at fault.
 */

/** No schema with this id is configured. */
export class UnknownSchemaError extends Error {
  readonly schemaId: string;

  constructor(schemaId: string) {
    super(`Identity schema \`${schemaId}\` could not be found.`);
    this.name = 'UnknownSchemaError';
    this.schemaId = schemaId;
  }
}

/** The schema's URL could not be read, is not JSON, or is not a valid identity schema. */
export class SchemaLoadError extends Error {
  readonly schemaId: string;
  readonly url: string;
  /** Individual problems found (meta-schema violations, compile errors), one line each. */
  readonly problems: readonly string[];

  constructor(schemaId: string, url: string, reason: string, opts: { problems?: readonly string[]; cause?: unknown } = {}) {
    const problems = opts.problems ?? [];
    const detail = problems.length > 0 ? `:\n  - ${problems.join('\n  - ')}` : '';
    super(`Identity schema "${schemaId}" (${redactUrl(url)}) ${reason}${detail}`, { cause: opts.cause });
    this.name = 'SchemaLoadError';
    this.schemaId = schemaId;
    this.url = url;
    this.problems = problems;
  }
}

/** base64:// URLs can be long; keep messages readable, and never echo URL credentials. */
function redactUrl(url: string): string {
  if (url.startsWith('base64://')) return url.length > 40 ? `${url.slice(0, 36)}...` : url;
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
      return u.toString();
    }
  } catch {
    // not a URL we can parse; print it as given
  }
  return url;
}
