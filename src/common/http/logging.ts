import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/app-config.js';
import { loggablePath, requestIdFor } from './request-id.js';

/**
 * Structured JSON logs, one line per request with its id. No PHI: no bodies, no query
 * strings, no identifying path segments, no headers but the user agent.
 */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req: IncomingMessage, res: ServerResponse) => requestIdFor(req, res),
      serializers: {
        req: (req: { id?: string; method?: string; url?: string; raw?: IncomingMessage }) => ({
          id: req.id,
          method: req.method,
          path: loggablePath(req.raw?.url ?? req.url),
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
      customProps: (req: IncomingMessage) => {
        const principal = (req as IncomingMessage & { principal?: { clientId: string } }).principal;
        return principal ? { clientId: principal.clientId } : {};
      },
      autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' },
    },
  };
}
