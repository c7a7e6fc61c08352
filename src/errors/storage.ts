/**
 * Storage-level failures that the domain reacts to. Persisters translate driver errors into these,
 * so no domain module needs to know which database is underneath.
 */
export class UniqueViolationError extends Error {
  constructor(readonly constraint?: string, options?: { cause?: unknown }) {
    super(`unique constraint violated${constraint ? `: ${constraint}` : ''}`, options);
    this.name = 'UniqueViolationError';
  }
}

export class NotFoundInStorageError extends Error {
  constructor(what: string) {
    super(`${what} not found`);
    this.name = 'NotFoundInStorageError';
  }
}
