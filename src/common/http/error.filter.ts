import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DomainError, type FieldError, STATUS_BY_KIND } from '../errors/domain-error.js';
import { errorCodeOf } from '../errors/error-code.js';
import { requestIdFor } from './request-id.js';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: FieldError[];
  requestId: string;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * The one place errors become HTTP answers: `{ statusCode, code, message, details, requestId }`.
 * Client mistakes get a 4xx; anything unexpected is a 500 with the request id only, never a
 * stack trace or PHI (the log line carries the error class and request id, not the values).
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const requestId = requestIdFor(req, res);
    const body = this.toBody(exception, requestId);
    if (body.statusCode >= 500) this.logUnhandled(exception, requestId);
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(this.headersOf(body))) res.setHeader(name, value);
    res.status(body.statusCode).json(body);
  }

  /** The log line of an unexpected error: class, code, constraint and code location only (messages and details may quote values: PHI). */
  logUnhandled(exception: unknown, requestId: string): void {
    const name = exception instanceof Error ? exception.name : typeof exception;
    const { constraint } = (exception ?? {}) as { constraint?: unknown };
    const where = exception instanceof Error ? exception.stack?.split('\n').find((l) => l.includes('/src/'))?.trim() : undefined;
    this.logger.error({ requestId, errorClass: name, errorCode: errorCodeOf(exception), constraint: typeof constraint === 'string' ? constraint : undefined, where }, 'unhandled error');
  }

  /** Headers an error answer carries besides its body: `Retry-After` on a 503 (the database will be back). */
  headersOf(body: ErrorBody): Record<string, string> {
    return body.statusCode === 503 ? { 'Retry-After': '1' } : {};
  }

  /** The answer to an error (also for answers written outside Nest's pipeline: the locator's fast path). */
  toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof DomainError) {
      return {
        statusCode: STATUS_BY_KIND[exception.kind],
        code: exception.code,
        message: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
        requestId,
        ...exception.extra,
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 400 && (exception.cause instanceof SyntaxError || /JSON/.test(exception.message))) {
        // The parser's own message may quote the body; never echo it.
        return { statusCode: 400, code: 'MALFORMED_BODY', message: 'The request body is not valid JSON', requestId };
      }
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : Array.isArray((response as { message?: unknown }).message)
            ? ((response as { message: string[] }).message).join('; ')
            : String((response as { message?: unknown }).message ?? exception.message);
      return { statusCode: status, code: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message: status >= 500 ? 'Internal error' : message, requestId };
    }
    // body-parser errors (bad JSON, too large, bad charset) carry a 4xx status of their own.
    const e = exception as { status?: unknown; type?: unknown };
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      const type = typeof e.type === 'string' ? e.type : '';
      if (type === 'entity.too.large') {
        return { statusCode: 413, code: 'PAYLOAD_TOO_LARGE', message: 'The request body is larger than the service accepts', requestId };
      }
      if (type === 'entity.parse.failed') {
        return { statusCode: 400, code: 'MALFORMED_BODY', message: 'The request body is not valid JSON', requestId };
      }
      return { statusCode: e.status, code: CODE_BY_STATUS[e.status] ?? `HTTP_${e.status}`, message: 'The request could not be read', requestId };
    }
    if (isDatabaseUnavailable(exception)) {
      return { statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: 'The database is busy or unreachable; try again shortly', requestId };
    }
    return { statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error', requestId };
  }
}

/** pg-pool's and pg's own errors (no code) when no connection could be had or it broke. */
const UNAVAILABLE_MESSAGES = new Set(['timeout exceeded when trying to connect', 'Connection terminated unexpectedly', 'Connection terminated due to connection timeout']);
const UNAVAILABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

/**
 * True when the request failed because the database could not serve it now, not because of
 * the request: no pooled connection within the timeout, the server unreachable or shutting
 * down (SQLSTATE class 08, 57P01–57P03), out of connections or resources (53xxx), or a
 * serialization failure or deadlock still failing after runInTransaction's retries (40001,
 * 40P01). The transaction rolled back, so the client may simply retry: 503, Retry-After.
 */
export function isDatabaseUnavailable(exception: unknown): boolean {
  if (!(exception instanceof Error)) return false;
  const x = exception as Error & { driverError?: { message?: unknown } };
  const code = errorCodeOf(exception);
  if (code !== undefined) return code.startsWith('08') || code.startsWith('53') || ['57P01', '57P02', '57P03', '40001', '40P01'].includes(code) || UNAVAILABLE_SOCKET_CODES.has(code);
  const message = typeof x.driverError?.message === 'string' ? x.driverError.message : x.message;
  return UNAVAILABLE_MESSAGES.has(message);
}
