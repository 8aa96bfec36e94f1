/** What kind of failure a domain error is; the one global filter maps each to an HTTP status. */
export type ErrorKind =
  | 'validation'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'unavailable';

export const STATUS_BY_KIND: Record<ErrorKind, number> = {
  validation: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  unavailable: 503,
};

/** One bad field of a request: the path as the client wrote it (`name[0].family`) and what is wrong. */
export interface FieldError {
  field: string;
  messages: string[];
}

/**
 * An expected failure with a stable machine-readable code (e.g. `ORGANIZATION_NOT_FOUND`).
 * Messages must never contain PHI: they end up in responses and logs.
 */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly details?: FieldError[],
    /** Extra top-level members a standard asks for (e.g. OAuth2's `error`). */
    readonly extra?: Record<string, string>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static validation(details: FieldError[], message = 'The request is not valid'): DomainError {
    return new DomainError('validation', 'VALIDATION_FAILED', message, details);
  }
}
