import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, type AuthenticatedRequest, REQUIRED_SCOPES } from '../auth/auth.decorators.js';
import { bearerTokenOf, hasRequiredScope } from '../auth/auth.guard.js';
import type { Scope } from '../auth/scopes.js';
import { TokenService } from '../auth/token.service.js';
import { ErrorFilter } from '../common/http/error.filter.js';
import { parseValidIdentifierQuery } from './dto/locator.dto.js';
import { LocatorController } from './locator.controller.js';
import { LocatorService } from './locator.service.js';

const PATH = '/api/v1/record-locations?';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;
type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * `GET /api/v1/record-locations?identifier=…` — the record locator's hottest call (~1,000
 * requests/s on two cores) — answered in front of Express: Express's request setup and
 * router, Nest's route pipeline, class-validator and the JSON reply cost ~0.15 ms of the
 * server's ~0.4–0.5 ms of CPU per lookup.
 *
 * The request listener of the app's HTTP server decides synchronously, before anything else
 * runs, whether the request certainly succeeds: the exact path and method, a bearer token
 * the TokenService has already verified and that has not expired (`verifiedPrincipal`),
 * carrying one of the controller's scopes (read from its metadata), and a query
 * `parseValidIdentifierQuery` accepts (only what the DTO accepts). Then the request-log
 * middleware runs (request id, X-Request-Id, the log line), the same LocatorService call
 * answers with the same body and headers as Nest's `res.json` (`application/json;
 * charset=utf-8`, Content-Length; no ETag, no X-Powered-By), and a failed lookup gets the
 * ErrorFilter's 500 answer and log line. Every other request — no, a new or an expired
 * token, a missing scope, any doubtful query, another method or path spelling — goes to
 * Express untouched and is answered exactly as before (401, 403, 400 naming the fields).
 * A token's first request thus takes the ordinary route, which verifies and caches it.
 *
 * So the ordinary route stays the definition of this call; this is a shorter way to the
 * same answer. A guard, interceptor or pipe added globally later would not run here: such a
 * change has to be made here too (the locator's e2e tests run through this path and compare
 * it with the ordinary route).
 */
export function installLocatorFastPath(app: INestApplication, requestLog: Middleware): void {
  const server = app.getHttpServer() as Server;
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error(`expected one request listener (Express), found ${listeners.length}`);
  const [express] = listeners;
  const tokens = app.get(TokenService);
  const locator = app.get(LocatorService);
  const errors = new ErrorFilter();
  const required =
    app.get(Reflector).getAllAndOverride<Scope[]>(REQUIRED_SCOPES, [LocatorController.prototype.byIdentifier, LocatorController]) ?? [];
  const noop = () => undefined;

  const fast: RequestListener = (request, res) => {
    const url = request.url;
    if (request.method !== 'GET' || url === undefined || !url.startsWith(PATH)) return express(request, res);
    const token = bearerTokenOf(request.headers.authorization);
    const principal = token ? tokens.verifiedPrincipal(token) : undefined;
    if (!principal || !hasRequiredScope(principal, required)) return express(request, res);
    const q = parseValidIdentifierQuery(parseQuery(url.slice(PATH.length)));
    if (!q) return express(request, res);
    const req = request as AuthenticatedRequest;
    requestLog(req, res, noop);
    req.principal = principal;
    const actor: Actor = { ...principal, requestId: String(req.id ?? '') };
    const { identifier, ...filters } = q;
    locator.byIdentifier(identifier, filters, actor).then(
      (answer) => reply(res, 200, answer),
      (err: unknown) => {
        const body = errors.toBody(err, actor.requestId);
        if (body.statusCode >= 500) errors.logUnhandled(err, actor.requestId);
        if (res.headersSent) return;
        for (const [name, value] of Object.entries(errors.headersOf(body))) res.setHeader(name, value);
        reply(res, body.statusCode, body);
      },
    );
  };
  server.removeListener('request', express);
  server.on('request', fast);
}

function reply(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
