import { describe, expect, it } from 'vitest';
import { loggablePath } from './request-id.js';

describe('loggablePath', () => {
  it.each([
    ['/api/v1/organizations/st-lukes/records/MRN-4711?x=1', '/api/v1/organizations/:id/records/:id'],
    ['/api/v1/record-locations?identifier=urn:oid:2.16.840.1.113883.4.1|123456789', '/api/v1/record-locations'],
    ['/health', '/health'],
    ['/fhir/Patient/$match', '/fhir/Patient/$match'],
  ])('masks ids and drops the query of %s', (url, expected) => {
    expect(loggablePath(url)).toBe(expected);
  });
});
