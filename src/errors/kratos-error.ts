/**
 * The one error type handlers throw. It carries everything needed to render Kratos's wire envelope
 * `{"error":{id,code,status,reason,message,details}}` plus optional top-level keys some errors add
 * (`use_flow_id`, `redirect_browser_to`, ...). Anything thrown that is not a KratosError is rendered
 * as an opaque 500 so internals never reach a client.
 */
export interface ErrorEnvelope {
  error: {
    id?: string;
    code: number;
    status: string;
    reason?: string;
    message: string;
    details?: Record<string, unknown>;
    request?: string;
  };
  [extra: string]: unknown;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

// Default messages per status, as the herodot library Kratos uses phrases them.
const DEFAULT_MESSAGE: Record<number, string> = {
  400: 'The request was malformed or contained invalid parameters',
  401: 'The request could not be authorized',
  403: 'The requested action was forbidden',
  404: 'The requested resource could not be found',
  405: 'The request method is not allowed for this resource',
  409: 'The resource could not be created due to a conflict',
  410: 'The requested resource is no longer available',
  413: 'The request body is too large',
  415: 'The request media type is not supported',
  422: 'The request was well-formed but was unable to be followed due to semantic errors',
  429: 'Too many requests',
  500: 'An internal server error occurred, please contact the system administrator',
  502: 'The upstream service returned an invalid response',
  503: 'The service is currently unavailable',
};

export function statusText(code: number): string {
  return STATUS_TEXT[code] ?? 'Error';
}

export interface KratosErrorInit {
  id?: string;
  reason?: string;
  message?: string;
  details?: Record<string, unknown>;
  /** Extra top-level keys of the envelope, e.g. `use_flow_id`, `redirect_browser_to`. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class KratosError extends Error {
  readonly code: number;
  readonly id?: string;
  readonly reason?: string;
  readonly details?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(code: number, init: KratosErrorInit = {}) {
    super(init.message ?? DEFAULT_MESSAGE[code] ?? statusText(code), { cause: init.cause });
    this.name = 'KratosError';
    this.code = code;
    this.id = init.id;
    this.reason = init.reason;
    this.details = init.details;
    this.extra = init.extra;
    this.headers = init.headers;
  }

  toEnvelope(requestId?: string): ErrorEnvelope {
    const error: ErrorEnvelope['error'] = { code: this.code, status: statusText(this.code), message: this.message };
    if (this.id) error.id = this.id;
    if (this.reason) error.reason = this.reason;
    if (this.details && Object.keys(this.details).length > 0) error.details = this.details;
    if (requestId) error.request = requestId;
    // `id` first reads better and matches Kratos's field order.
    const ordered = this.id ? { id: this.id, ...error } : error;
    return { error: ordered, ...(this.extra ?? {}) };
  }
}

export const badRequest = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(400, { ...init, reason });
export const unauthorized = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(401, { ...init, reason });
export const forbidden = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(403, { ...init, reason });
export const notFound = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(404, { ...init, reason });
export const conflict = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(409, { ...init, reason });
export const internal = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(500, { ...init, reason });
export const unavailable = (reason?: string, init: Omit<KratosErrorInit, 'reason'> = {}) => new KratosError(503, { ...init, reason });

export function isKratosError(e: unknown): e is KratosError {
  return e instanceof KratosError;
}

/** A failure of a service Tessera called (a social sign-in provider), not of Tessera itself. */
export const isUpstreamFailure = (k: KratosError): boolean => k.code === 502 || k.code === 504;
