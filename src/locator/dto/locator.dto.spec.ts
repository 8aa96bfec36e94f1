import { parse } from 'node:querystring';
import { describe, expect, it } from 'vitest';
import { createValidationPipe } from '../../common/http/validation.js';
import { LocateByIdentifierQuery, parseValidIdentifierQuery } from './locator.dto.js';

const AA = 'urn:oid:2.16.840.1.113883.3.2001';
const pipe = createValidationPipe();
/** Whether the ordinary route's ValidationPipe accepts the query string. */
const pipeAccepts = async (qs: string): Promise<boolean> =>
  pipe.transform(parse(qs), { type: 'query', metatype: LocateByIdentifierQuery, data: undefined }).then(
    () => true,
    () => false,
  );
const q = (o: Record<string, string | string[]>) =>
  new URLSearchParams(Object.entries(o).flatMap(([k, v]): Array<[string, string]> => (Array.isArray(v) ? v.map((x): [string, string] => [k, x]) : [[k, v]]))).toString();

// Queries the fast path takes (and the DTO accepts) ...
const VALID = [
  q({ identifier: `${AA}|M-1001` }),
  q({ identifier: `${AA}|M-1001`, purpose: 'TREATMENT' }),
  q({ identifier: `${AA}|M-1001`, purpose: '' }),
  q({ identifier: 'urn:oid:2.16.840.1.113883.4.1|412-68-3057', organization: 'mercy', connectionType: 'hl7-fhir-rest', minGrade: 'probable' }),
  q({ identifier: `${AA}| M 1001 ` }),
  q({ identifier: `${AA}|M|1001` }),
  q({ identifier: `x|${'v'.repeat(498)}` }),
  q({ identifier: `${AA}|M-1001`, purpose: 'p'.repeat(100) }),
  `identifier=${encodeURIComponent(`${AA}|M-1001`)}&minGrade=certain`,
];
// ... and queries the DTO refuses, each with a 400 of the ordinary route.
const INVALID = [
  '',
  q({ identifier: 'M-1001' }),
  q({ identifier: `${AA}|` }),
  q({ identifier: `${AA}|   ` }),
  q({ identifier: `|M-1001` }),
  q({ identifier: ` ${AA}|M-1001` }),
  q({ identifier: `x|${'v'.repeat(499)}` }),
  q({ identifier: [`${AA}|M-1001`, `${AA}|M-1002`] }),
  q({ identifier: `${AA}|M-1001`, minGrade: 'excellent' }),
  q({ identifier: `${AA}|M-1001`, minGrade: 'certainly-not' }),
  q({ identifier: `${AA}|M-1001`, organization: 'Not An Org' }),
  q({ identifier: `${AA}|M-1001`, organization: '' }),
  q({ identifier: `${AA}|M-1001`, connectionType: 'HL7' }),
  q({ identifier: `${AA}|M-1001`, purpose: 'p'.repeat(101) }),
  q({ identifier: `${AA}|M-1001`, purpose: ['a', 'b'] }),
  q({ identifier: `${AA}|M-1001`, color: 'red' }),
  q({ organization: 'mercy' }),
  q({ identifier: `${AA}|M-10\u000001` }),
  q({ identifier: `${AA}|M-1001`, purpose: 'treat\u0000ment' }),
];

// Odd keys the fast path leaves to the ordinary route whatever that makes of them (it accepts these).
const ODD = [`${q({ identifier: `${AA}|M-1001` })}&__proto__=x`, `${q({ identifier: `${AA}|M-1001` })}&constructor=x`];

describe('parseValidIdentifierQuery (the locator fast path’s validator)', () => {
  it.each(VALID)('takes %s, which the DTO accepts too, with the same values', async (qs) => {
    expect(await pipeAccepts(qs)).toBe(true);
    const fast = parseValidIdentifierQuery(parse(qs));
    expect(fast).not.toBeNull();
    const viaPipe = (await pipe.transform(parse(qs), { type: 'query', metatype: LocateByIdentifierQuery, data: undefined })) as object;
    const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
    expect(defined(fast!)).toEqual(defined(viaPipe));
  });
  it.each(INVALID)('leaves %s to the ordinary route, whose ValidationPipe refuses it', async (qs) => {
    expect(await pipeAccepts(qs)).toBe(false);
    expect(parseValidIdentifierQuery(parse(qs))).toBeNull();
  });
  it.each(ODD)('leaves %s to the ordinary route', (qs) => {
    expect(parseValidIdentifierQuery(parse(qs))).toBeNull();
  });
});
