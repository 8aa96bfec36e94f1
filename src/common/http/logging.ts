import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LoggerService } from '@nestjs/common';
import { type Logger as Pino, pino } from 'pino';
import { loggablePath, requestIdFor } from './request-id.js';

/**
 * Structured JSON logs (pino): the application's own log lines, and one line per request.
 * No PHI: no bodies, no query strings, no identifying path segments, no headers.
 *
 * The request line used to come from pino-http (through nestjs-pino), which per request made
 * a child logger, ran its serializers, and wrapped the rest of the request in an
 * AsyncLocalStorage context (which turns on promise hooks for every promise of the process);
 * on the record locator that was ~10% of the server's CPU per request. Nothing here logs
 * through a request-scoped logger: the request id travels explicitly (Actor.requestId, error
 * bodies), so the line is written once, when the response finishes, from a few fields.
 */
export function createRootLogger(level: string): Pino {
  return pino({ level });
}

type RequestWithId = IncomingMessage & { id?: string; principal?: { clientId: string } };

/**
 * Express middleware: the request id (the caller's X-Request-Id when it is a plain token,
 * else a new one; echoed back), and at `info` one line per finished request — id, method,
 * masked path, status, duration, client id — like pino-http's `request completed` line.
 * `/health` is not logged (probes every few seconds would drown the rest).
 */
export function requestLogMiddleware(logger: Pino): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    const r = req as RequestWithId;
    r.id = requestIdFor(req, res);
    if (logger.isLevelEnabled('info') && req.url !== '/health') {
      const started = performance.now();
      const line = (msg: string) => {
        logger.info(
          {
            req: { id: r.id, method: req.method, path: loggablePath(req.url) },
            ...(r.principal ? { clientId: r.principal.clientId } : {}),
            res: { statusCode: res.statusCode },
            responseTime: Math.round(performance.now() - started),
          },
          msg,
        );
      };
      res.once('finish', () => line('request completed'));
      res.once('close', () => {
        if (!res.writableFinished) line('request aborted');
      });
    }
    next();
  };
}

/**
 * Nest's logger interface on pino, with nestjs-pino's mapping: the last extra argument is
 * the context; an object message is merged into the line (an Error goes under `err`); Nest's
 * exception handlers' `(message, stack, context)` becomes an `err` with that stack.
 */
export class AppLogger implements LoggerService {
  constructor(private readonly logger: Pino) {}

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.call('trace', message, optionalParams);
  }
  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.call('debug', message, optionalParams);
  }
  log(message: unknown, ...optionalParams: unknown[]): void {
    this.call('info', message, optionalParams);
  }
  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.call('warn', message, optionalParams);
  }
  error(message: unknown, ...optionalParams: unknown[]): void {
    this.call('error', message, optionalParams);
  }
  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.call('fatal', message, optionalParams);
  }

  private call(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, optionalParams: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const obj: Record<string, unknown> = {};
    let params = optionalParams;
    if (params.length > 0) {
      obj.context = params[params.length - 1];
      params = params.slice(0, -1);
    }
    if (typeof message === 'object' && message !== null) {
      if (message instanceof Error) obj.err = message;
      else Object.assign(obj, message);
      this.logger[level](obj, ...(params as [string?]));
    } else if (level === 'error' && typeof message === 'string' && params.length === 1 && typeof params[0] === 'string' && /\n\s*at /.test(params[0])) {
      const err = new Error(message);
      err.stack = params[0];
      obj.err = err;
      this.logger[level](obj);
    } else {
      this.logger[level](obj, String(message), ...(params as []));
    }
  }
}
