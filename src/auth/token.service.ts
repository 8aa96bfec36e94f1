import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AuthError } from './auth.errors.js';
import { SigningKeyEntity } from './entities/signing-key.entity.js';
import { SCOPES, type Principal, type Scope } from './scopes.js';

const ISSUER = 'mpi';
const ENV_KEY_ID = 'env';

interface TokenClaims {
  sub: string;
  org?: string;
  scope: string;
  jti: string;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * Issues and verifies short-lived HS256 access tokens. The key comes from MPI_TOKEN_SECRET,
 * or else from the database (made once, shared by every process using that database).
 */
@Injectable()
export class TokenService implements OnModuleInit {
  private readonly keys = new Map<string, string>();
  /** Tokens already verified, until they expire: verifying an HS256 JWT costs ~0.5 ms of CPU. */
  private readonly verified = new Map<string, { principal: Principal; exp: number }>();
  private activeKeyId: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jwt: JwtService,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.auth.tokenSecret) {
      this.keys.set(ENV_KEY_ID, this.config.auth.tokenSecret);
      this.activeKeyId = ENV_KEY_ID;
      return;
    }
    const repo = this.dataSource.getRepository(SigningKeyEntity);
    await this.dataSource.query(
      `INSERT INTO auth_signing_key (id, secret, active) VALUES ($1, $2, true) ON CONFLICT (active) WHERE active DO NOTHING`,
      [randomUUID(), randomBytes(48).toString('base64url')],
    );
    const active = await repo.findOneByOrFail({ active: true });
    this.keys.set(active.id, active.secret);
    this.activeKeyId = active.id;
  }

  async issue(clientId: string, organizationId: string | null, scopes: Scope[]): Promise<IssuedToken> {
    const ttl = this.config.auth.tokenTtlSeconds;
    const claims: TokenClaims = { sub: clientId, scope: scopes.join(' '), jti: randomUUID(), ...(organizationId ? { org: organizationId } : {}) };
    const token = await this.jwt.signAsync(claims, {
      secret: this.keys.get(this.activeKeyId),
      algorithm: 'HS256',
      expiresIn: ttl,
      issuer: ISSUER,
      keyid: this.activeKeyId,
    });
    return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: claims.scope };
  }

  /** The principal of a token already verified and not yet expired (no signature check, no I/O); else undefined. */
  verifiedPrincipal(token: string): Principal | undefined {
    const cached = this.verified.get(token);
    return cached && cached.exp > Date.now() / 1000 ? cached.principal : undefined;
  }

  async verify(token: string): Promise<Principal> {
    const cached = this.verifiedPrincipal(token);
    if (cached) return cached;
    const kid = this.keyIdOf(token);
    const secret = kid ? await this.secretFor(kid) : undefined;
    if (!secret) throw AuthError.invalidToken();
    let claims: TokenClaims;
    try {
      claims = await this.jwt.verifyAsync<TokenClaims & object>(token, { secret, algorithms: ['HS256'], issuer: ISSUER });
    } catch {
      throw AuthError.invalidToken();
    }
    const scopes = String(claims.scope ?? '')
      .split(' ')
      .filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
    const principal: Principal = { clientId: claims.sub, organizationId: claims.org ?? null, scopes };
    if (this.verified.size >= 10_000) this.verified.clear();
    this.verified.set(token, { principal, exp: (claims as { exp?: number }).exp ?? 0 });
    return principal;
  }

  private keyIdOf(token: string): string | undefined {
    try {
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
      return typeof header.kid === 'string' ? header.kid : undefined;
    } catch {
      return undefined;
    }
  }

  private async secretFor(kid: string): Promise<string | undefined> {
    const known = this.keys.get(kid);
    if (known || kid === ENV_KEY_ID) return known;
    // A key another process made (e.g. after a rotation): look it up once.
    if (!/^[0-9a-f-]{36}$/.test(kid)) return undefined;
    const row = await this.dataSource.getRepository(SigningKeyEntity).findOneBy({ id: kid });
    if (row) this.keys.set(row.id, row.secret);
    return row?.secret;
  }
}
