import { describe, expect, it } from 'vitest';
import { ErrorFilter, isDatabaseUnavailable } from './error.filter.js';

const withCode = (code: string) => Object.assign(new Error('relation x: value (secret)'), { code });
const queryFailed = (code: string) => Object.assign(new Error('duplicate key (secret)'), { name: 'QueryFailedError', driverError: { code } });

describe('isDatabaseUnavailable', () => {
  it('recognizes a pool without a free connection, a broken or refused connection and a server going away', () => {
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(withCode('ECONNREFUSED'))).toBe(true);
    for (const code of ['08006', '08001', '57P01', '57P03', '53300', '40001', '40P01']) expect(isDatabaseUnavailable(queryFailed(code)), code).toBe(true);
  });

  it('leaves everything else a 500: constraint violations, syntax errors, non-errors', () => {
    for (const code of ['23505', '23503', '42601', '22P02', 'XX000']) expect(isDatabaseUnavailable(queryFailed(code)), code).toBe(false);
    expect(isDatabaseUnavailable(new Error('something else'))).toBe(false);
    expect(isDatabaseUnavailable('timeout exceeded when trying to connect')).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});

describe('ErrorFilter.toBody', () => {
  const filter = new ErrorFilter();
  it('answers 503 SERVICE_UNAVAILABLE for an unavailable database, without the driver message', () => {
    const body = filter.toBody(queryFailed('57P01'), 'r-1');
    expect(body).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: expect.any(String), requestId: 'r-1' });
    expect(JSON.stringify(body)).not.toContain('secret');
    expect(filter.headersOf(body)).toEqual({ 'Retry-After': '1' });
  });

  it('answers 500 INTERNAL_ERROR for an unexpected database error', () => {
    const body = filter.toBody(queryFailed('23505'), 'r-2');
    expect(body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'Internal error', requestId: 'r-2' });
    expect(filter.headersOf(body)).toEqual({});
  });
});
