import { describe, expect, it } from 'vitest';
import { errorCodeOf, errorReasonOf } from './error-code.js';

describe('errorCodeOf / errorReasonOf', () => {
  it('reads a QueryFailedError driver code, a pg or socket code, and nothing else', () => {
    const qf = Object.assign(new Error('bind message supplies 2 parameters (values)'), { name: 'QueryFailedError', driverError: { code: '08P01' } });
    expect(errorCodeOf(qf)).toBe('08P01');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 42 }))).toBeUndefined();
    expect(errorCodeOf(null)).toBeUndefined();
    expect(errorReasonOf(qf)).toBe('QueryFailedError 08P01');
    expect(errorReasonOf(new TypeError('secret value'))).toBe('TypeError');
    expect(errorReasonOf('a string')).toBe('string');
  });
});
