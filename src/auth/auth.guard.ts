import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthenticatedRequest, PUBLIC_ROUTE, REQUIRED_SCOPES } from './auth.decorators.js';
import { AuthError } from './auth.errors.js';
import type { Principal, Scope } from './scopes.js';
import { TokenService } from './token.service.js';

/**
 * Global guard: every route needs a valid bearer token and one of the scopes it declares,
 * unless marked @Public(). A route that declares no scopes is refused (secure by default).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw AuthError.missingToken();
    const principal = await this.tokens.verify(match[1]);
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? [];
    if (!required.some((s) => principal.scopes.includes(s))) throw AuthError.insufficientScope(required);
    return true;
  }
}

/**
 * An organization writes only its own records: admins may act on any organization; every
 * other client only on the one it belongs to.
 */
export function assertOrganizationAccess(principal: Principal, organizationId: string): void {
  if (principal.scopes.includes('admin')) return;
  if (principal.organizationId !== organizationId) throw AuthError.organizationForbidden();
}

/** The organization directory (names, endpoints) is open to query and steward clients too. */
export function assertDirectoryAccess(principal: Principal, organizationId: string): void {
  if (principal.scopes.some((s) => s === 'query' || s === 'steward')) return;
  assertOrganizationAccess(principal, organizationId);
}
