import { JwtService } from '@nestjs/jwt';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppConfig } from '../config/app-config.js';
import { TokenService } from './token.service.js';

const config = { auth: { tokenSecret: 'a-test-secret-of-enough-length-0123456789', tokenTtlSeconds: 60 } } as AppConfig;

async function service(): Promise<TokenService> {
  const s = new TokenService(config, {} as DataSource, new JwtService({}));
  await s.onModuleInit();
  return s;
}

describe('TokenService: verified tokens (the locator fast path reads them without verifying)', () => {
  afterEach(() => vi.useRealTimers());

  it('knows a token only once verified, and not past its exp', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T05:00:00Z'), toFake: ['Date'] });
    const s = await service();
    const { access_token: token } = await s.issue('client-1', 'mercy', ['query']);
    expect(s.verifiedPrincipal(token)).toBeUndefined();
    expect(await s.verify(token)).toEqual({ clientId: 'client-1', organizationId: 'mercy', scopes: ['query'] });
    expect(s.verifiedPrincipal(token)).toEqual({ clientId: 'client-1', organizationId: 'mercy', scopes: ['query'] });
    vi.setSystemTime(new Date('2026-12-02T05:00:59Z'));
    expect(s.verifiedPrincipal(token)).toBeDefined();
    vi.setSystemTime(new Date('2026-12-02T05:01:00Z'));
    expect(s.verifiedPrincipal(token)).toBeUndefined();
    await expect(s.verify(token)).rejects.toThrow();
  });

  it('never knows a forged token', async () => {
    const s = await service();
    const { access_token: token } = await s.issue('client-1', null, ['query']);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.forgedsignature`;
    await expect(s.verify(forged)).rejects.toThrow();
    expect(s.verifiedPrincipal(forged)).toBeUndefined();
  });
});
