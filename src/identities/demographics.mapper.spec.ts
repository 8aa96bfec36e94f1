import 'reflect-metadata';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../matching/engine/index.js';
import { toDemographics } from './demographics.mapper.js';
import { DemographicsDto } from './dto/demographics.dto.js';

// What toDemographics gave before (class-transformer's instanceToPlain, then a JSON round trip):
// stored demographics and their content hashes must not change, or a replay of a record fed
// before would count as an update.
const previous = (dto: DemographicsDto) => JSON.parse(JSON.stringify(instanceToPlain(dto)));

const bodies = [
  { name: [{ family: 'Nguyen', given: ['Thi', 'Mai'], prefix: [], suffix: [] }] },
  {
    name: [{ family: 'Okafor', given: ['Ada'], use: 'official' }, { given: ['Adaeze'], use: 'nickname' }],
    birthDate: '1971-05-02',
    sex: 'female',
    address: [{ line: ['12 Main St', 'Apt 4'], city: 'Madison', state: 'WI', postalCode: '53703', country: 'US' }],
    telecom: [{ system: 'phone', value: '608-555-0101' }, { system: 'email', value: 'ada@example.org' }],
    identifiers: [{ system: 'urn:oid:2.16.840.1.113883.4.1', value: '123-45-6789' }],
    mothersMaidenName: 'Eze',
  },
  { name: [{ family: 'Lee', given: undefined }], address: [{ line: [], city: undefined }], identifiers: [] },
];

describe('toDemographics', () => {
  it.each(bodies.map((b, i) => [i, b] as const))('gives the plain object instanceToPlain gave (body %i)', (_i, body) => {
    const dto = plainToInstance(DemographicsDto, body);
    expect(toDemographics(dto)).toEqual(previous(dto));
    expect(canonicalJson(toDemographics(dto))).toBe(canonicalJson(previous(dto)));
    expect(Object.getPrototypeOf(toDemographics(dto).name[0])).toBe(Object.prototype);
  });
});
