import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { Principal, Scope } from './scopes.js';

export const PUBLIC_ROUTE = 'mpi:public';
export const REQUIRED_SCOPES = 'mpi:scopes';

/** The route needs no token (health, docs, the token endpoint). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** The caller's token must carry at least one of these scopes. */
export const RequireScopes = (...scopes: Scope[]) => SetMetadata(REQUIRED_SCOPES, scopes);

/** Who is acting, for scope checks and the audit trail. */
export interface Actor extends Principal {
  requestId: string;
}

export type AuthenticatedRequest = Request & { principal?: Principal; id?: string };

export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!req.principal) throw new Error('CurrentActor used on a route without authentication');
  return { ...req.principal, requestId: String(req.id ?? '') };
});
