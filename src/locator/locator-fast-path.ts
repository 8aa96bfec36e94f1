import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { INestApplication } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Actor, type AuthenticatedRequest, REQUIRED_SCOPES } from '../auth/auth.decorators.js';
import { bearerTokenOf, hasRequiredScope } from '../auth/auth.guard.js';
import type { Principal, Scope } from '../auth/scopes.js';
import { TokenService } from '../auth/token.service.js';
import { parseValidIdentifierQuery } from './dto/locator.dto.js';
import { LocatorController } from './locator.controller.js';
import { LocatorService } from './locator.service.js';

const PATH = '/api/v1/record-locations?';

/**
 * `GET /api/v1/record-locations?identifier=…` — the record locator's hottest call (~1,000
 * requests/s on two cores) — answered before Express's router and Nest's route pipeline,
 * which with class-validator and the JSON reply cost ~0.1 ms of the server's ~0.4–0.5 ms of
 * CPU per lookup. Only a request that certainly succeeds is taken: the exact path, a bearer
 * token the TokenService verifies (its cache of verified tokens, honouring `exp`) and that
 * carries one of the controller's scopes, and a query `parseValidIdentifierQuery` accepts.
 * The same LocatorService call then answers, with the same body and headers as Nest's reply
 * (`res.json`: `application/json; charset=utf-8`, Content-Length; no ETag, no
 * X-Powered-By; X-Request-Id from the request-log middleware before this one); a failure
 * of the lookup goes to `next(err)`, i.e. Nest's exception handler and the ErrorFilter, as
 * from the controller. Everything else — no or a bad token, a missing scope, any doubtful
 * query, another method or path spelling — goes on (`next()`) to the ordinary route, which
 * answers exactly as before (401, 403, 400 naming the fields).
 *
 * So the ordinary route stays the definition of this call; this is only a shorter way to
 * the same answer. A guard, interceptor or pipe added globally later would not run here:
 * such a change has to be made here too (the e2e tests of the locator run through this path).
 */
export function locatorFastPath(app: INestApplication): (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void {
  const tokens = app.get(TokenService);
  const locator = app.get(LocatorService);
  const required =
    app.get(Reflector).getAllAndOverride<Scope[]>(REQUIRED_SCOPES, [LocatorController.prototype.byIdentifier, LocatorController]) ?? [];
  const answer = async (req: AuthenticatedRequest, res: ServerResponse, token: string, rawQuery: string): Promise<boolean> => {
    let principal: Principal;
    try {
      principal = await tokens.verify(token);
    } catch {
      return false;
    }
    if (!hasRequiredScope(principal, required)) return false;
    const q = parseValidIdentifierQuery(parseQuery(rawQuery));
    if (!q) return false;
    req.principal = principal;
    const actor: Actor = { ...principal, requestId: String(req.id ?? '') };
    const { identifier, ...filters } = q;
    const body = JSON.stringify(await locator.byIdentifier(identifier, filters, actor));
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
    return true;
  };
  return (req, res, next) => {
    const url = req.url;
    if (req.method !== 'GET' || url === undefined || !url.startsWith(PATH)) return next();
    const token = bearerTokenOf(req.headers.authorization);
    if (!token) return next();
    answer(req as AuthenticatedRequest, res, token, url.slice(PATH.length)).then(
      (answered) => {
        if (!answered) next();
      },
      (err: unknown) => next(err),
    );
  };
}
