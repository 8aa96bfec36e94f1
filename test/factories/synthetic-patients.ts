/**
 * A seeded generator of synthetic US patients with realistic duplicates, for batch tests and
 * `npm run bench:batch`. Each entity gets one clean record; a share of entities get one to
 * three more records as another registration would hold them: typos, nicknames, a move
 * (new address and phone), day/month transposed birth dates, missing fields, a married name.
 * `entity` is the truth: it is never sent to the service.
 */
import { seededRandom } from './seeded-random.js';

export interface SyntheticRow {
  entity: number;
  localId: string;
  fields: Record<string, string>;
}

export const SYNTHETIC_COLUMNS = ['localId', 'family', 'given', 'middle', 'birthDate', 'sex', 'line1', 'line2', 'city', 'state', 'postalCode', 'country', 'phone', 'email', 'ssn', 'mothersMaidenName'] as const;

const MALE = ['James', 'Robert', 'John', 'Michael', 'David', 'William', 'Richard', 'Joseph', 'Thomas', 'Christopher', 'Charles', 'Daniel', 'Matthew', 'Anthony', 'Mark', 'Donald', 'Steven', 'Andrew', 'Paul', 'Joshua', 'Kenneth', 'Kevin', 'Brian', 'Timothy', 'Ronald', 'George', 'Jason', 'Edward', 'Jeffrey', 'Ryan', 'Jacob', 'Nicholas', 'Gary', 'Eric', 'Jonathan', 'Stephen', 'Larry', 'Justin', 'Scott', 'Brandon', 'Benjamin', 'Samuel', 'Gregory', 'Alexander', 'Patrick', 'Frank', 'Raymond', 'Jack', 'Dennis', 'Jerry', 'Tyler', 'Aaron', 'Jose', 'Adam', 'Nathan', 'Henry', 'Zachary', 'Douglas', 'Peter', 'Kyle'];
const FEMALE = ['Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Karen', 'Sarah', 'Lisa', 'Nancy', 'Sandra', 'Betty', 'Ashley', 'Emily', 'Kimberly', 'Margaret', 'Donna', 'Michelle', 'Carol', 'Amanda', 'Melissa', 'Deborah', 'Stephanie', 'Dorothy', 'Rebecca', 'Sharon', 'Laura', 'Cynthia', 'Amy', 'Kathleen', 'Angela', 'Shirley', 'Brenda', 'Emma', 'Anna', 'Pamela', 'Nicole', 'Samantha', 'Katherine', 'Christine', 'Helen', 'Debra', 'Rachel', 'Carolyn', 'Janet', 'Maria', 'Catherine', 'Heather', 'Diane', 'Olivia', 'Julie', 'Joyce', 'Victoria', 'Ruth', 'Virginia', 'Lauren', 'Kelly', 'Christina'];
const NICK: Record<string, string> = { James: 'Jim', Robert: 'Bob', John: 'Jack', Michael: 'Mike', William: 'Bill', Richard: 'Dick', Joseph: 'Joe', Thomas: 'Tom', Christopher: 'Chris', Charles: 'Chuck', Daniel: 'Dan', Matthew: 'Matt', Anthony: 'Tony', Steven: 'Steve', Andrew: 'Andy', Kenneth: 'Ken', Timothy: 'Tim', Edward: 'Ed', Nicholas: 'Nick', Jonathan: 'Jon', Benjamin: 'Ben', Samuel: 'Sam', Alexander: 'Alex', Patrick: 'Pat', Elizabeth: 'Liz', Patricia: 'Patty', Jennifer: 'Jenny', Susan: 'Sue', Margaret: 'Peggy', Deborah: 'Debbie', Rebecca: 'Becky', Kathleen: 'Kathy', Katherine: 'Kate', Pamela: 'Pam', Samantha: 'Sam', Christine: 'Chris', Victoria: 'Vicky', Barbara: 'Barb', Dorothy: 'Dot' };
const SURNAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes', 'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper', 'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson', 'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes', 'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez', 'Okafor', 'Lindqvist', 'Kowalski', 'Novak', 'Schneider', 'Fitzgerald', 'Oconnor', 'Yamamoto', 'Chen', 'Wang', 'Singh', 'Kaur', 'Haddad', 'Abadi', 'Petrov', 'Ivanova', 'Romano', 'Russo', 'Weber', 'Becker', 'Hoffman', 'Dubois', 'Laurent', 'Svensson', 'Larsen', 'Berg', 'Holm', 'Dunn', 'Boyle', 'Walsh'];
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Pine St', 'Elm St', 'Washington Ave', 'Lake Rd', 'Hill St', 'Park Ave', 'Sunset Blvd', 'River Rd', 'Church St', 'Highland Ave', 'Forest Dr', 'Meadow Ln', 'Willow Way', 'Spring St', 'Ridge Rd', 'Valley Dr'];
const PLACES: Array<[string, string, string]> = [['Madison', 'WI', '537'], ['Austin', 'TX', '787'], ['Atlanta', 'GA', '303'], ['Boston', 'MA', '021'], ['Denver', 'CO', '802'], ['Phoenix', 'AZ', '850'], ['Columbus', 'OH', '432'], ['Portland', 'OR', '972'], ['Nashville', 'TN', '372'], ['Omaha', 'NE', '681'], ['Raleigh', 'NC', '276'], ['Tampa', 'FL', '336'], ['Fresno', 'CA', '937'], ['Tulsa', 'OK', '741'], ['Albany', 'NY', '122'], ['Reno', 'NV', '895']];

// A long tail of rarer names (a real US file has tens of thousands of surnames), so blocks
// stay the size they are in real data instead of every record sharing a few dozen names.
const SUR_A = ['Al', 'Bar', 'Bel', 'Bran', 'Car', 'Cor', 'Dal', 'Der', 'El', 'Fair', 'Gar', 'Hal', 'Har', 'Kel', 'Kin', 'Lan', 'Mar', 'Mor', 'Nor', 'Pem', 'Ral', 'Ros', 'Sal', 'Stan', 'Thor', 'Val', 'Wel', 'Win', 'Ash', 'Brock', 'Cald', 'Dun', 'Ed', 'Fen', 'Gil', 'Hol', 'Ing', 'Jar', 'Kirk', 'Lock'];
const SUR_B = ['', 'a', 'e', 'i', 'o', 'en', 'er', 'in', 'on', 'an', 'ing', 'ley', 'den', 'ton', 'ford', 'wick', 'dale', 'more', 'field', 'bury'];
const SUR_C = ['', 's', 'son', 'man', 'berg', 'stein', 'ski', 'ova', 'ez', 'ini', 'ard', 'ett', 'ell', 'er', 'ow', 'ey', 'et', 'is', 'ay', 'um'];
const GIV_A = ['Ja', 'Ka', 'La', 'Ma', 'Na', 'Ra', 'Sha', 'Ta', 'Da', 'Bri', 'Cal', 'El', 'Jo', 'Ky', 'Mi', 'Ro', 'Ze', 'Ari', 'Eve', 'Isa'];
const GIV_B = ['den', 'lyn', 'son', 'mar', 'ra', 'na', 'el', 'ley', 'ton', 'rin', 'dra', 'vin', 'nia', 'ric', 'len', 'mon', 'sha', 'ven', 'lo', 'ya'];

export interface GeneratorOptions {
  seed?: number;
  /** Share of entities that get duplicates (default 0.3). */
  duplicateShare?: number;
}

/** Yields `n` rows (entities first registered in order, duplicates interleaved later). */
export function* syntheticPatients(n: number, options: GeneratorOptions = {}): Generator<SyntheticRow> {
  const r = seededRandom(options.seed ?? 42);
  const dupShare = options.duplicateShare ?? 0.3;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const digits = (k: number) => Array.from({ length: k }, () => Math.floor(r() * 10)).join('');
  const pending: Array<{ at: number; row: Record<string, string>; entity: number }> = [];
  let entity = 0;
  for (let i = 0; i < n; i++) {
    const due = pending.findIndex((p) => p.at <= i);
    if (due >= 0 && (pending.length > 64 || r() < 0.5)) {
      const [p] = pending.splice(due, 1);
      yield { entity: p.entity, localId: `L${i + 1}`, fields: vary(p.row, r, pick, digits) };
      continue;
    }
    entity++;
    const sex = r() < 0.5 ? 'male' : 'female';
    const [city, state, zip3] = pick(PLACES);
    const y = 1930 + Math.floor(r() * 90);
    const mo = 1 + Math.floor(r() * 12);
    const d = 1 + Math.floor(r() * 28);
    const given = r() < 0.75 ? pick(sex === 'male' ? MALE : FEMALE) : pick(GIV_A) + pick(GIV_B);
    const family = r() < 0.4 ? pick(SURNAMES) : pick(SUR_A) + pick(SUR_B) + pick(SUR_C);
    const row: Record<string, string> = {
      family,
      given,
      middle: r() < 0.6 ? pick(sex === 'male' ? MALE : FEMALE).slice(0, r() < 0.5 ? 1 : undefined) : '',
      birthDate: `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      sex,
      line1: `${1 + Math.floor(r() * 9000)} ${pick(STREETS)}`,
      line2: r() < 0.15 ? `Apt ${1 + Math.floor(r() * 40)}` : '',
      city,
      state,
      postalCode: `${zip3}${digits(2)}`,
      country: 'US',
      phone: r() < 0.85 ? `${digits(3)}-555-${digits(4)}` : '',
      email: r() < 0.4 ? `${given.toLowerCase()}.${family.toLowerCase()}${digits(2)}@example.org` : '',
      ssn: r() < 0.7 ? `${1 + Math.floor(r() * 665)}`.padStart(3, '0') + `-${digits(2).replace('00', '12')}-${digits(4).replace('0000', '1234')}` : '',
      mothersMaidenName: r() < 0.3 ? pick(SURNAMES) : '',
    };
    yield { entity, localId: `L${i + 1}`, fields: row };
    if (r() < dupShare) {
      const copies = 1 + (r() < 0.25 ? 1 : 0) + (r() < 0.08 ? 1 : 0);
      for (let c = 0; c < copies; c++) pending.push({ at: i + 1 + Math.floor(r() * 5000), row, entity });
    }
  }
}

const KEYBOARD = 'abcdefghijklmnopqrstuvwxyz';

function typo(s: string, r: () => number): string {
  if (s.length < 3) return s;
  const i = 1 + Math.floor(r() * (s.length - 2));
  const k = r();
  if (k < 0.33) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
  if (k < 0.66) return s.slice(0, i) + s.slice(i + 1);
  return s.slice(0, i) + KEYBOARD[Math.floor(r() * 26)] + s.slice(i + 1);
}

/** Another registration of the same patient. */
function vary(base: Record<string, string>, r: () => number, pick: <T>(xs: readonly T[]) => T, digits: (k: number) => string): Record<string, string> {
  const f = { ...base };
  const edits = 1 + Math.floor(r() * 3);
  for (let e = 0; e < edits; e++) {
    const k = r();
    if (k < 0.2) f.family = typo(f.family, r);
    else if (k < 0.35) f.given = NICK[f.given] && r() < 0.7 ? NICK[f.given] : typo(f.given, r);
    else if (k < 0.5) {
      const [city, state, zip3] = pick(PLACES);
      Object.assign(f, { line1: `${1 + Math.floor(r() * 9000)} ${pick(STREETS)}`, line2: '', city, state, postalCode: `${zip3}${digits(2)}`, phone: r() < 0.5 ? `${digits(3)}-555-${digits(4)}` : f.phone });
    } else if (k < 0.6) {
      const [y, mo, d] = f.birthDate.split('-');
      if (Number(d) <= 12) f.birthDate = `${y}-${d}-${mo}`;
      else f.birthDate = `${y}-${mo}-${String(Math.max(1, Number(d) - 1)).padStart(2, '0')}`;
    } else if (k < 0.75) f[pick(['phone', 'email', 'ssn', 'middle', 'line1', 'mothersMaidenName'])] = '';
    else if (k < 0.82 && base.sex === 'female') f.family = pick(['Smith', 'Johnson', 'Brown', 'Miller', 'Lee', 'Walker']);
    else if (k < 0.9) f.middle = f.middle ? f.middle[0] : '';
    else f.phone = f.phone ? `${f.phone.slice(0, -2)}${f.phone.at(-1)}${f.phone.at(-2)}` : f.phone;
  }
  return f;
}

/** A row's fields in `SYNTHETIC_COLUMNS` order (empty where absent), as a CSV line holds them. */
export function csvFields(row: SyntheticRow): string[] {
  return SYNTHETIC_COLUMNS.map((c) => (c === 'localId' ? row.localId : (row.fields[c] ?? '')));
}

/** One CSV line (RFC 4180 quoting when needed). */
export function csvLine(values: readonly string[]): string {
  return values.map((v) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',');
}

export function toCsv(rows: Iterable<SyntheticRow>): string {
  const out = [SYNTHETIC_COLUMNS.join(',')];
  for (const row of rows) out.push(csvLine(csvFields(row)));
  return `${out.join('\n')}\n`;
}
