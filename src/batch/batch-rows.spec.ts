import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { validateDemographics } from '../identities/demographics.validation.js';
import { toDemographics } from '../identities/demographics.mapper.js';
import { syntheticPatients, SYNTHETIC_COLUMNS } from '../../test/factories/synthetic-patients.js';
import { csvHeaderProblems, csvRowToRecord, ndjsonLineToRecord, stageable } from './batch-rows.js';
import { NUL_MESSAGE } from '../common/unstorable-characters.js';
import { LOCAL_ID_MESSAGE } from '../identities/local-id.js';

const SSN = 'urn:oid:2.16.840.1.113883.4.1';

describe('batch rows', () => {
  it('accepts the documented columns in any order and names unknown, repeated and missing ones', () => {
    expect(csvHeaderProblems(['ssn', 'localId', 'family'])).toEqual([]);
    expect(csvHeaderProblems(['localId', 'shoeSize', 'family', 'family']).map((p) => p.field)).toEqual(['columns.shoeSize', 'columns.family']);
    expect(csvHeaderProblems(['family']).map((p) => p.field)).toEqual(['columns.localId']);
  });

  it('maps a CSV row to the feed demographics: ssn to the SSN identifier, phone and email to telecom, empty fields absent', () => {
    const cols = ['localId', 'family', 'given', 'middle', 'birthDate', 'sex', 'line1', 'line2', 'city', 'state', 'postalCode', 'country', 'phone', 'email', 'ssn', 'mothersMaidenName'];
    const r = csvRowToRecord(cols, ['M-1', 'Nguyen', 'Thi', 'Mai', '1984-03-07', 'female', '12 Main St', '', 'Madison', 'WI', '53703', 'US', '608-555-0101', '', '123-45-6789', ' Tran ']);
    expect(r.errors).toEqual([]);
    expect(r.localId).toBe('M-1');
    expect(r.demographics).toEqual({
      name: [{ family: 'Nguyen', given: ['Thi', 'Mai'] }],
      birthDate: '1984-03-07',
      sex: 'female',
      address: [{ line: ['12 Main St'], city: 'Madison', state: 'WI', postalCode: '53703', country: 'US' }],
      telecom: [{ system: 'phone', value: '608-555-0101' }],
      identifiers: [{ system: SSN, value: '123-45-6789' }],
      mothersMaidenName: 'Tran',
    });
    expect(csvRowToRecord(['localId', 'family'], ['A']).errors).toEqual([{ field: 'row', messages: ['has 1 fields, the header has 2'] }]);
    expect(csvRowToRecord(['localId', 'family'], ['a b', 'X']).errors[0].field).toBe('localId');
  });

  it('reads NDJSON lines and names what is wrong', () => {
    expect(ndjsonLineToRecord('{"localId":"A","demographics":{"name":[{"family":"X"}]}}')).toEqual({ localId: 'A', demographics: { name: [{ family: 'X' }] }, errors: [] });
    expect(ndjsonLineToRecord('nope').errors).toEqual([{ field: 'row', messages: ['is not valid JSON'] }]);
    expect(ndjsonLineToRecord('{"localId":1,"demographics":{},"extra":2}').errors.map((e) => e.field)).toEqual(['localId', 'extra']);
  });

  it('gives for every valid row exactly the demographics the feed would store (same object as toDemographics of the DTO)', () => {
    const cols = [...SYNTHETIC_COLUMNS];
    for (const row of syntheticPatients(500, { seed: 11 })) {
      const parsed = csvRowToRecord(cols, cols.map((c) => (c === 'localId' ? row.localId : (row.fields[c] ?? ''))));
      const checked = validateDemographics(parsed.demographics);
      expect(checked.errors).toEqual([]);
      expect(parsed.demographics).toEqual(toDemographics(checked.value!));
      const nd = ndjsonLineToRecord(JSON.stringify({ localId: row.localId, demographics: parsed.demographics }));
      expect(nd.demographics).toEqual(toDemographics(validateDemographics(nd.demographics).value!));
    }
  });
});

describe('rows holding a NUL character (PostgreSQL cannot store one)', () => {
  it('are staged with the field (CSV) or the line (NDJSON) as null', () => {
    expect(stageable(['A1', 'Lee'])).toEqual(['A1', 'Lee']);
    expect(stageable(['A1', 'L\u0000ee', ''])).toEqual(['A1', null, '']);
    expect(stageable('{"localId":"A1"}')).toBe('{"localId":"A1"}');
    expect(stageable('{"localId":"A\u00001"}')).toBeNull();
  });

  it('are reported naming the column, with the local id when it is not the bad field', () => {
    expect(csvRowToRecord(['localId', 'family'], ['A1', null])).toEqual({ localId: 'A1', errors: [{ field: 'family', messages: [NUL_MESSAGE] }] });
    expect(csvRowToRecord(['localId', 'family'], [null, 'Lee'])).toEqual({ localId: null, errors: [{ field: 'localId', messages: [NUL_MESSAGE] }] });
    expect(ndjsonLineToRecord(null)).toEqual({ localId: null, errors: [{ field: 'row', messages: [NUL_MESSAGE] }] });
  });

  it('an escaped NUL inside an NDJSON line is reported by the demographics validation, naming the field', () => {
    const parsed = ndjsonLineToRecord(JSON.stringify({ localId: 'A1', demographics: { name: [{ family: 'L\u0000ee' }] } }));
    expect(parsed.errors).toEqual([]);
    expect(validateDemographics(parsed.demographics).errors).toEqual([{ field: 'name[0].family', messages: [NUL_MESSAGE] }]);
    expect(csvRowToRecord(['localId'], ['A\u00011']).errors).toEqual([{ field: 'localId', messages: [LOCAL_ID_MESSAGE] }]);
  });
});
