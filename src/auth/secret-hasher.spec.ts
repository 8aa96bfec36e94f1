import { describe, expect, it } from 'vitest';
import { generateSecret, hashSecret, verifySecret } from './secret-hasher.js';

describe('secret hasher', () => {
  it('verifies the right secret and refuses others, with a fresh salt every time', async () => {
    const secret = generateSecret();
    const h1 = await hashSecret(secret);
    const h2 = await hashSecret(secret);
    expect(h1).not.toBe(h2);
    expect(await verifySecret(secret, h1)).toBe(true);
    expect(await verifySecret(`${secret}x`, h1)).toBe(false);
    expect(await verifySecret(secret, 'garbage')).toBe(false);
  });
});
