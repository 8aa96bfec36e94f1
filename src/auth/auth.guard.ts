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
    const token = bearerTokenOf(req.headers.authorization);
    if (!token) throw AuthError.missingToken();
    const principal = await this.tokens.verify(token);
    req.principal = principal;
    const required = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? [];
    if (!hasRequiredScope(principal, required)) throw AuthError.insufficientScope(required);
    return true;
  }
}

/** The bearer token of an Authorization header, or null. */
export function bearerTokenOf(header: unknown): string | null {
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match ? match[1] : null;
}

/** A route's scopes are alternatives: the principal needs one of them (none declared: refused). */
export function hasRequiredScope(principal: Principal, required: readonly Scope[]): boolean {
  return required.some((s) => principal.scopes.includes(s));
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
