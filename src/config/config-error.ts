// The error loadConfig throws: every problem found, each with its key path and where it came from.

export interface ConfigIssue {
  /** Dotted key path, array items by index: "selfservice.flows.login.lifespan", "identity.schemas[0].url". */
  path: string;
  /** A config file path, "env:NAME", "overrides", "dev", "default" (a schema default), or "unset" (a required key nobody set). */
  source: string;
  message: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${i.path || '(root)'}: ${i.message} [${describeSource(i.source)}]`);
    super(`invalid configuration (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function describeSource(source: string): string {
  if (source.startsWith('env:')) return `from environment variable ${source.slice(4)}`;
  if (source === 'default') return 'from the built-in default';
  if (source === 'unset') return 'not set in any file or environment variable';
  if (source === 'overrides') return 'from command-line overrides';
  if (source === 'dev') return 'from dev mode';
  return `from ${source}`;
}
