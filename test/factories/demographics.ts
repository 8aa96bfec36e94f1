/**
 * Realistic, deterministic US patient demographics for tests (the body of a record, API.md).
 * `buildDemographics()` is always the same patient; `overrides` replace top-level members
 * (pass `undefined` to drop one). `seed` picks a different, clearly distinct patient from
 * fixed tables: no randomness, so a failure reproduces.
 */

import { type Demographics, SSN_SYSTEM } from '../../src/matching/engine/index.js';

export { SSN_SYSTEM, type Demographics };

interface Profile {
  given: string[];
  family: string;
  sex: 'male' | 'female';
  birthDate: string;
  street: string;
  city: string;
  state: string;
  postalCode: string;
  phone: string;
  email: string;
  ssn: string;
  mothersMaidenName: string;
}

/**
 * Distinct patients: every name (given and family), birth date, street, postal code, phone,
 * e-mail and SSN differs from every other row, and no two names are nicknames or near
 * spellings of each other, so two seeds never look like one person.
 */
const PROFILES: Profile[] = [
  { given: ['Jonathon', 'Ray'], family: 'Whitaker', sex: 'male', birthDate: '1984-03-07', street: '1418 Willow Creek Dr', city: 'Madison', state: 'WI', postalCode: '53703', phone: '608-555-0143', email: 'jwhitaker@example.org', ssn: '412-68-3057', mothersMaidenName: 'Lindqvist' },
  { given: ['Maria', 'Elena'], family: 'Castillo', sex: 'female', birthDate: '1971-11-22', street: '902 Pecan St', city: 'Austin', state: 'TX', postalCode: '78701', phone: '512-555-0178', email: 'mcastillo@example.net', ssn: '527-31-8846', mothersMaidenName: 'Delgado' },
  { given: ['Keisha'], family: 'Okonkwo', sex: 'female', birthDate: '1992-06-14', street: '77 Peachtree Ave NE', city: 'Atlanta', state: 'GA', postalCode: '30303', phone: '404-555-0116', email: 'keisha.okonkwo@example.com', ssn: '253-94-1178', mothersMaidenName: 'Adeyemi' },
  { given: ['Harold', 'Thomas'], family: 'Fitzgerald', sex: 'male', birthDate: '1949-01-30', street: '3300 Harbor Blvd', city: 'Boston', state: 'MA', postalCode: '02118', phone: '617-555-0192', email: 'hfitz49@example.org', ssn: '031-47-5529', mothersMaidenName: 'Callahan' },
  { given: ['Priya'], family: 'Raghunathan', sex: 'female', birthDate: '2001-09-03', street: '15 Elm Ct', city: 'Edison', state: 'NJ', postalCode: '08817', phone: '732-555-0134', email: 'priya.r@example.net', ssn: '146-82-7713', mothersMaidenName: 'Subramanian' },
  { given: ['Dwayne', 'Lee'], family: 'Jefferson', sex: 'male', birthDate: '1966-12-19', street: '2210 Magnolia Ln', city: 'Jackson', state: 'MS', postalCode: '39201', phone: '601-555-0187', email: 'djefferson@example.com', ssn: '587-15-3390', mothersMaidenName: 'Boudreaux' },
  { given: ['Svetlana'], family: 'Kuznetsova', sex: 'female', birthDate: '1958-04-25', street: '48 Brighton Beach Ave', city: 'Brooklyn', state: 'NY', postalCode: '11235', phone: '718-555-0151', email: 'svetak@example.org', ssn: '093-66-2481', mothersMaidenName: 'Orlova' },
  { given: ['Tyler', 'James'], family: 'Brennan', sex: 'male', birthDate: '2010-07-08', street: '615 Prairie View Rd', city: 'Omaha', state: 'NE', postalCode: '68102', phone: '402-555-0129', email: 'brennan.family@example.net', ssn: '505-28-9164', mothersMaidenName: 'Halvorsen' },
  { given: ['Lucia'], family: 'Moreno', sex: 'female', birthDate: '1979-02-11', street: '1900 Camelback Rd', city: 'Phoenix', state: 'AZ', postalCode: '85016', phone: '602-555-0165', email: 'lmoreno79@example.com', ssn: '600-43-7725', mothersMaidenName: 'Ibarra' },
  { given: ['Gordon'], family: 'Yamamoto', sex: 'male', birthDate: '1937-10-05', street: '88 Kapiolani Blvd', city: 'Honolulu', state: 'HI', postalCode: '96814', phone: '808-555-0108', email: 'gyamamoto@example.org', ssn: '575-09-6632', mothersMaidenName: 'Nakagawa' },
  { given: ['Shanice', 'Marie'], family: 'Pemberton', sex: 'female', birthDate: '1988-08-27', street: '4102 Lakeshore Dr', city: 'Chicago', state: 'IL', postalCode: '60613', phone: '312-555-0173', email: 'spemberton@example.net', ssn: '341-76-2098', mothersMaidenName: 'Whitfield' },
  { given: ['Ezekiel'], family: 'Abernathy', sex: 'male', birthDate: '1995-05-16', street: '230 Cumberland Pkwy', city: 'Nashville', state: 'TN', postalCode: '37203', phone: '615-555-0149', email: 'zeke.abernathy@example.com', ssn: '409-52-8817', mothersMaidenName: 'Greer' },
];

export const PROFILE_COUNT = PROFILES.length;

/** The demographics of patient `seed` (0-based, < PROFILE_COUNT) with top-level `overrides`. */
export function buildDemographics(overrides: Partial<Demographics> = {}, seed = 0): Demographics {
  const p = PROFILES[seed];
  if (!p) throw new Error(`buildDemographics: no profile ${seed} (0..${PROFILES.length - 1})`);
  const base: Demographics = {
    name: [{ family: p.family, given: [...p.given], prefix: [], suffix: [] }],
    birthDate: p.birthDate,
    sex: p.sex,
    address: [{ line: [p.street], city: p.city, state: p.state, postalCode: p.postalCode, country: 'US' }],
    telecom: [
      { system: 'phone', value: p.phone },
      { system: 'email', value: p.email },
    ],
    identifiers: [{ system: SSN_SYSTEM, value: p.ssn }],
    mothersMaidenName: p.mothersMaidenName,
  };
  const out: Record<string, unknown> = { ...base, ...overrides };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as unknown as Demographics;
}

/** A copy of `d` with the given names replaced (first name entry). */
export function withGiven(d: Demographics, ...given: string[]): Demographics {
  return { ...d, name: [{ ...d.name[0], given }, ...d.name.slice(1)] };
}

/** A copy of `d` with the family name replaced (first name entry). */
export function withFamily(d: Demographics, family: string): Demographics {
  return { ...d, name: [{ ...d.name[0], family }, ...d.name.slice(1)] };
}

/** A copy of `d` with the phone number replaced (other contact points kept). */
export function withPhone(d: Demographics, phone: string): Demographics {
  return { ...d, telecom: [...(d.telecom ?? []).filter((t) => t.system !== 'phone'), { system: 'phone', value: phone }] };
}
