import { Body, Controller, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service.js';
import { CurrentRequestId } from '../common/http/current-request-id.js';
import { Public } from './auth.decorators.js';
import { AuthError } from './auth.errors.js';
import { ClientsService } from './clients.service.js';
import { TokenRequestDto } from './dto/token-request.dto.js';
import type { Scope } from './scopes.js';
import { type IssuedToken, TokenService } from './token.service.js';

@ApiTags('auth')
@Controller('auth')
export class TokenController {
  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {}

  /** OAuth2 client credentials grant: credentials in the body or as HTTP Basic. */
  @Post('token')
  @Public()
  @HttpCode(200)
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  async token(@Body() body: TokenRequestDto, @Headers('authorization') authorization: string | undefined, @CurrentRequestId() requestId: string): Promise<IssuedToken> {
    if (body.grant_type === undefined) throw AuthError.invalidRequest('grant_type', 'grant_type is required');
    if (body.grant_type !== 'client_credentials') throw AuthError.unsupportedGrantType();
    const { clientId, clientSecret } = credentialsFrom(body, authorization);
    const principal = await this.clients.authenticate(clientId, clientSecret);
    if (!principal) {
      await this.audit.record({ action: 'auth.token.issue', outcome: 'denied', actor: { requestId }, targetType: 'client', targetIds: [clientId.slice(0, 200)] });
      throw AuthError.invalidClient();
    }
    const requested = body.scope?.split(/\s+/).filter(Boolean);
    const granted = requested ?? principal.scopes;
    const notAllowed = granted.filter((s) => !principal.scopes.includes(s as Scope));
    if (notAllowed.length) throw AuthError.invalidScope(notAllowed);
    const issued = await this.tokens.issue(principal.clientId, principal.organizationId, granted as Scope[]);
    await this.audit.record({
      action: 'auth.token.issue',
      outcome: 'success',
      actor: { ...principal, requestId },
      targetType: 'client',
      targetIds: [principal.clientId],
      details: { scopes: granted },
    });
    return issued;
  }
}

function credentialsFrom(body: TokenRequestDto, authorization?: string): { clientId: string; clientSecret: string } {
  const basic = authorization && /^Basic\s+(\S+)$/i.exec(authorization);
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const sep = decoded.indexOf(':');
    if (sep > 0) return { clientId: decodeURIComponent(decoded.slice(0, sep)), clientSecret: decodeURIComponent(decoded.slice(sep + 1)) };
  }
  if (!body.client_id) throw AuthError.invalidRequest('client_id', 'client_id is required');
  if (!body.client_secret) throw AuthError.invalidRequest('client_secret', 'client_secret is required');
  return { clientId: body.client_id, clientSecret: body.client_secret };
}
