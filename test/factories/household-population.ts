/**
 * A seeded synthetic US population living in households, registered at several
 * organizations: the data FEBRL does not have. FEBRL's duplicates are independent people
 * with typos; a real HIE also holds twins (same surname, birth date, address and phone),
 * fathers and sons of the same name (Sr/Jr), spouses, siblings and parents sharing an
 * address, phone and often a surname, and records that carry a relative's SSN (a guarantor
 * copied onto a child's registration). Those are the pairs that make an independence model
 * over-confident, so this is the data that shows what the SSN guard and the decision rules
 * are worth, and what they cost.
 *
 * Every person has one entity id (the truth, never sent to the matcher) and, per
 * organization that sees them, one registration with realistic recording errors: typos,
 * nicknames, day/month transposed or one-keystroke birth dates, a move, a married name, a
 * missing SSN, phone or sex. Relationship labels (twin, parent-child, …) are kept so an
 * evaluation can say which kind of pair a false link joined.
 *
 * Nothing here was fitted to the matcher's output: the rates are round figures from the
 * literature on US households and registration data (twin births ≈ 3%, Jr naming a few % of
 * sons, ~70% of records with an SSN in HIE feeds, annual mobility ≈ 10–14%).
 */
import { SSN_SYSTEM, type Demographics } from '../../src/matching/engine/index.js';
import { seededRandom } from './seeded-random.js';

export type Relationship = 'twin' | 'sibling' | 'parent-child' | 'spouse' | 'household';

export interface PopulationRecord {
  /** Truth: the person. */
  entity: number;
  /** Truth: the household (persons sharing an address). */
  household: number;
  organizationId: string;
  localId: string;
  demographics: Demographics;
}

export interface Population {
  records: PopulationRecord[];
  /** Relationship of two different persons of one household ("a|b" with a < b). */
  relationships: Map<string, Relationship>;
}

export interface PopulationOptions {
  seed?: number;
  households?: number;
  organizations?: number;
  /** Mean number of organizations that register a person (at least one). */
  meanRegistrations?: number;
}

const MALE = ['JAMES', 'JOHN', 'ROBERT', 'MICHAEL', 'WILLIAM', 'DAVID', 'RICHARD', 'JOSEPH', 'THOMAS', 'CHARLES', 'CHRISTOPHER', 'DANIEL', 'MATTHEW', 'ANTHONY', 'MARK', 'DONALD', 'STEVEN', 'PAUL', 'ANDREW', 'JOSHUA', 'KENNETH', 'KEVIN', 'BRIAN', 'GEORGE', 'TIMOTHY', 'RONALD', 'EDWARD', 'JASON', 'JEFFREY', 'RYAN', 'JACOB', 'GARY', 'NICHOLAS', 'ERIC', 'JONATHAN', 'STEPHEN', 'LARRY', 'JUSTIN', 'SCOTT', 'BRANDON', 'BENJAMIN', 'SAMUEL', 'GREGORY', 'ALEXANDER', 'FRANK', 'PATRICK', 'RAYMOND', 'JACK', 'DENNIS', 'JERRY', 'TYLER', 'AARON', 'JOSE', 'ADAM', 'NATHAN', 'HENRY', 'DOUGLAS', 'ZACHARY', 'PETER', 'KYLE', 'ETHAN', 'WALTER', 'NOAH', 'JEREMY', 'CHRISTIAN', 'KEITH', 'ROGER', 'TERRY', 'GERALD', 'HAROLD', 'SEAN', 'AUSTIN', 'CARL', 'ARTHUR', 'LAWRENCE', 'DYLAN', 'JESSE', 'JORDAN', 'BRYAN', 'BILLY', 'JOE', 'BRUCE', 'GABRIEL', 'LOGAN', 'ALBERT', 'WILLIE', 'ALAN', 'JUAN', 'WAYNE', 'ELIJAH', 'RANDY', 'ROY', 'VINCENT', 'RALPH', 'EUGENE', 'RUSSELL', 'BOBBY', 'MASON', 'PHILIP', 'LOUIS'];
const FEMALE = ['MARY', 'PATRICIA', 'JENNIFER', 'LINDA', 'ELIZABETH', 'BARBARA', 'SUSAN', 'JESSICA', 'SARAH', 'KAREN', 'LISA', 'NANCY', 'BETTY', 'MARGARET', 'SANDRA', 'ASHLEY', 'KIMBERLY', 'EMILY', 'DONNA', 'MICHELLE', 'CAROL', 'AMANDA', 'DOROTHY', 'MELISSA', 'DEBORAH', 'STEPHANIE', 'REBECCA', 'SHARON', 'LAURA', 'CYNTHIA', 'KATHLEEN', 'AMY', 'ANGELA', 'SHIRLEY', 'ANNA', 'BRENDA', 'PAMELA', 'EMMA', 'NICOLE', 'HELEN', 'SAMANTHA', 'KATHERINE', 'CHRISTINE', 'DEBRA', 'RACHEL', 'CAROLYN', 'JANET', 'CATHERINE', 'MARIA', 'HEATHER', 'DIANE', 'RUTH', 'JULIE', 'OLIVIA', 'JOYCE', 'VIRGINIA', 'VICTORIA', 'KELLY', 'LAUREN', 'CHRISTINA', 'JOAN', 'EVELYN', 'JUDITH', 'MEGAN', 'ANDREA', 'CHERYL', 'HANNAH', 'JACQUELINE', 'MARTHA', 'GLORIA', 'TERESA', 'ANN', 'SARA', 'MADISON', 'FRANCES', 'KATHRYN', 'JANICE', 'JEAN', 'ABIGAIL', 'ALICE', 'JULIA', 'JUDY', 'SOPHIA', 'GRACE', 'DENISE', 'AMBER', 'DORIS', 'MARILYN', 'DANIELLE', 'BEVERLY', 'ISABELLA', 'THERESA', 'DIANA', 'NATALIE', 'BRITTANY', 'CHARLOTTE', 'MARIE', 'KAYLA', 'ALEXIS', 'LORI'];
/** Nicknames a registration clerk may record instead of the legal name (all in the engine's table or common enough). */
const NICK: Record<string, string> = { JAMES: 'JIM', JOHN: 'JACK', ROBERT: 'BOB', MICHAEL: 'MIKE', WILLIAM: 'BILL', RICHARD: 'RICK', JOSEPH: 'JOE', THOMAS: 'TOM', CHARLES: 'CHUCK', CHRISTOPHER: 'CHRIS', DANIEL: 'DAN', MATTHEW: 'MATT', ANTHONY: 'TONY', STEVEN: 'STEVE', ANDREW: 'ANDY', KENNETH: 'KEN', TIMOTHY: 'TIM', EDWARD: 'ED', NICHOLAS: 'NICK', JONATHAN: 'JON', BENJAMIN: 'BEN', SAMUEL: 'SAM', ALEXANDER: 'ALEX', PATRICK: 'PAT', ELIZABETH: 'LIZ', PATRICIA: 'PATTY', JENNIFER: 'JENNY', SUSAN: 'SUE', MARGARET: 'PEGGY', DEBORAH: 'DEBBIE', REBECCA: 'BECKY', KATHLEEN: 'KATHY', KATHERINE: 'KATE', PAMELA: 'PAM', SAMANTHA: 'SAM', CHRISTINE: 'CHRIS', VICTORIA: 'VICKY', BARBARA: 'BARB', DOROTHY: 'DOT' };
const SURNAMES = ['SMITH', 'JOHNSON', 'WILLIAMS', 'BROWN', 'JONES', 'GARCIA', 'MILLER', 'DAVIS', 'RODRIGUEZ', 'MARTINEZ', 'HERNANDEZ', 'LOPEZ', 'GONZALEZ', 'WILSON', 'ANDERSON', 'THOMAS', 'TAYLOR', 'MOORE', 'JACKSON', 'MARTIN', 'LEE', 'PEREZ', 'THOMPSON', 'WHITE', 'HARRIS', 'SANCHEZ', 'CLARK', 'RAMIREZ', 'LEWIS', 'ROBINSON', 'WALKER', 'YOUNG', 'ALLEN', 'KING', 'WRIGHT', 'SCOTT', 'TORRES', 'NGUYEN', 'HILL', 'FLORES', 'GREEN', 'ADAMS', 'NELSON', 'BAKER', 'HALL', 'RIVERA', 'CAMPBELL', 'MITCHELL', 'CARTER', 'ROBERTS'];
const SUR_A = ['AL', 'BAR', 'BEL', 'BRAN', 'CAR', 'COR', 'DAL', 'DER', 'EL', 'FAIR', 'GAR', 'HAL', 'HAR', 'KEL', 'KIN', 'LAN', 'MAR', 'MOR', 'NOR', 'PEM', 'RAL', 'ROS', 'SAL', 'STAN', 'THOR', 'VAL', 'WEL', 'WIN', 'ASH', 'BROCK', 'CALD', 'DUN', 'FEN', 'GIL', 'HOL', 'ING', 'JAR', 'KIRK', 'LOCK', 'MUL', 'OS', 'PRES', 'QUIN', 'RED', 'SHER', 'TAL', 'UL', 'VER', 'WHIT', 'YAR'];
const SUR_B = ['', 'A', 'E', 'I', 'O', 'EN', 'ER', 'IN', 'ON', 'AN', 'ING', 'LEY', 'DEN', 'TON', 'FORD', 'WICK', 'DALE', 'MORE', 'FIELD', 'BURY', 'WOOD', 'STON', 'LOW', 'HAM'];
const SUR_C = ['', 'S', 'SON', 'MAN', 'BERG', 'STEIN', 'SKI', 'OVA', 'EZ', 'INI', 'ARD', 'ETT', 'ELL', 'ER', 'OW', 'EY', 'ET', 'IS', 'AY', 'UM'];
const STREETS = ['MAIN ST', 'OAK AVE', 'MAPLE DR', 'CEDAR LN', 'PINE ST', 'ELM ST', 'WASHINGTON AVE', 'LAKE RD', 'HILL ST', 'PARK AVE', 'SUNSET BLVD', 'RIVER RD', 'CHURCH ST', 'HIGHLAND AVE', 'FOREST DR', 'MEADOW LN', 'WILLOW WAY', 'SPRING ST', 'RIDGE RD', 'VALLEY DR', 'JEFFERSON ST', 'LINCOLN AVE', 'FRANKLIN ST', 'MADISON AVE', 'MILL RD', 'SCHOOL ST', 'NORTH ST', 'SOUTH ST', 'WALNUT ST', 'CHERRY LN'];
/** One regional HIE: a state, a few cities of very different size, their ZIP prefixes. */
const CITIES: Array<{ city: string; zip3: string; weight: number }> = [
  { city: 'MILWAUKEE', zip3: '532', weight: 40 },
  { city: 'MADISON', zip3: '537', weight: 20 },
  { city: 'GREEN BAY', zip3: '543', weight: 10 },
  { city: 'KENOSHA', zip3: '531', weight: 8 },
  { city: 'RACINE', zip3: '534', weight: 7 },
  { city: 'APPLETON', zip3: '549', weight: 6 },
  { city: 'WAUKESHA', zip3: '531', weight: 5 },
  { city: 'EAU CLAIRE', zip3: '547', weight: 4 },
];

interface Person {
  entity: number;
  household: number;
  sex: 'male' | 'female';
  given: string;
  middle: string;
  family: string;
  /** Surname before marriage (for a married-name change between registrations). */
  maidenName: string | null;
  suffix: string | null;
  birth: { y: number; m: number; d: number };
  ssn: string | null;
  /** A phone of one's own (a mobile), besides the home's. */
  mobile: string | null;
}

interface Home {
  line: string;
  unit: string | null;
  city: string;
  postalCode: string;
  phone: string | null;
}

/** A seeded population; the same options always give the same records, in the same order. */
export function householdPopulation(options: PopulationOptions = {}): Population {
  const r = seededRandom(options.seed ?? 7);
  const householdCount = options.households ?? 4000;
  const orgCount = options.organizations ?? 6;
  const meanRegistrations = options.meanRegistrations ?? 1.7;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  // Zipf-like popularity: the first names of each list are much more common than the last.
  const zipf = <T>(xs: readonly T[]): T => xs[Math.min(xs.length - 1, Math.floor(xs.length * r() ** 2.2))];
  const digits = (k: number) => Array.from({ length: k }, () => Math.floor(r() * 10)).join('');
  const surname = () => (r() < 0.45 ? zipf(SURNAMES) : pick(SUR_A) + pick(SUR_B) + pick(SUR_C));
  const given = (sex: 'male' | 'female') => zipf(sex === 'male' ? MALE : FEMALE);
  const cityWeights = CITIES.reduce((s, c) => s + c.weight, 0);
  const city = () => {
    let x = r() * cityWeights;
    for (const c of CITIES) if ((x -= c.weight) < 0) return c;
    return CITIES[0];
  };
  const newHome = (): Home => {
    const c = city();
    const apartment = r() < 0.25;
    return {
      line: `${1 + Math.floor(r() * (apartment ? 900 : 9900))} ${pick(STREETS)}`,
      unit: apartment ? `APT ${1 + Math.floor(r() * 60)}` : null,
      city: c.city,
      postalCode: `${c.zip3}${digits(2)}`,
      phone: r() < 0.6 ? `414${digits(7)}` : null,
    };
  };
  // SSNs: area-group-serial; ~75% of persons have one on file somewhere. Siblings born
  // together (twins) were often enumerated consecutively before 2011.
  const ssn = () => `${String(1 + Math.floor(r() * 665)).padStart(3, '0')}${String(1 + Math.floor(r() * 98)).padStart(2, '0')}${String(1 + Math.floor(r() * 9998)).padStart(4, '0')}`;
  const nextSsn = (s: string) => `${s.slice(0, 5)}${String(Number(s.slice(5)) + 1).padStart(4, '0')}`;
  const date = (y: number) => ({ y, m: 1 + Math.floor(r() * 12), d: 1 + Math.floor(r() * 28) });

  const persons: Person[] = [];
  const homes = new Map<number, Home>();
  const relationships = new Map<string, Relationship>();
  const relate = (a: Person, b: Person, rel: Relationship) => relationships.set(a.entity < b.entity ? `${a.entity}|${b.entity}` : `${b.entity}|${a.entity}`, rel);
  let entity = 0;
  const person = (household: number, sex: 'male' | 'female', family: string, birthYear: number, extra: Partial<Person> = {}): Person => {
    const p: Person = {
      entity: ++entity,
      household,
      sex,
      given: given(sex),
      middle: r() < 0.6 ? given(sex) : '',
      family,
      maidenName: null,
      suffix: null,
      birth: date(birthYear),
      ssn: r() < 0.75 ? ssn() : null,
      mobile: r() < 0.5 ? `414${digits(7)}` : null,
      ...extra,
    };
    persons.push(p);
    return p;
  };

  for (let h = 1; h <= householdCount; h++) {
    homes.set(h, newHome());
    const family = surname();
    const k = r();
    const adults: Person[] = [];
    const y0 = 1935 + Math.floor(r() * 70);
    if (k < 0.28) adults.push(person(h, r() < 0.5 ? 'male' : 'female', family, y0));
    else {
      const husband = person(h, 'male', family, y0);
      const keepsName = r() < 0.25;
      const maiden = surname();
      const wife = person(h, 'female', keepsName ? maiden : family, y0 + Math.floor(r() * 9) - 3, { maidenName: keepsName ? null : maiden });
      relate(husband, wife, 'spouse');
      adults.push(husband, wife);
    }
    // Children: about half of the multi-person households, 1–4 each.
    if (k >= 0.28 && k < 0.8 && y0 < 2000) {
      const kids: Person[] = [];
      const n = 1 + Math.floor(r() * r() * 4);
      for (let c = 0; c < n; c++) {
        const y = Math.min(2023, y0 + 22 + Math.floor(r() * 16));
        const sex = r() < 0.5 ? 'male' : 'female';
        const father = adults.find((a) => a.sex === 'male');
        // Jr: a son named after his father (a few % of sons; the suffix is often not recorded).
        const junior = sex === 'male' && father && r() < 0.06;
        const kid = person(h, sex, family, y, junior ? { given: father.given, middle: father.middle, suffix: 'JR' } : {});
        if (junior) father.suffix = 'SR';
        kids.push(kid);
        // Twins: ~3% of births (same birth date; often consecutive SSNs; different given names).
        if (r() < 0.03) {
          const twinSex = r() < 0.65 ? sex : sex === 'male' ? 'female' : 'male';
          let twinName = given(twinSex);
          while (twinName === kid.given) twinName = given(twinSex);
          const twin = person(h, twinSex, family, y, {
            given: twinName,
            birth: { ...kid.birth },
            ssn: kid.ssn && r() < 0.6 ? nextSsn(kid.ssn) : r() < 0.75 ? ssn() : null,
          });
          relate(kid, twin, 'twin');
          kids.push(twin);
        }
      }
      for (let i = 0; i < kids.length; i++) {
        for (const a of adults) relate(a, kids[i], 'parent-child');
        for (let j = i + 1; j < kids.length; j++) if (!relationships.has(`${kids[i].entity}|${kids[j].entity}`)) relate(kids[i], kids[j], 'sibling');
      }
    }
  }

  // Registrations: every person at one organization at least, some at several; each
  // registration is a separate, imperfect copy. Records arrive in a random order.
  const records: PopulationRecord[] = [];
  const byHousehold = new Map<number, Person[]>();
  for (const p of persons) byHousehold.set(p.household, [...(byHousehold.get(p.household) ?? []), p]);
  const guarantorOf = new Map<number, Person>();
  for (const p of persons) {
    const parent = byHousehold.get(p.household)!.find((q) => relationships.get(`${Math.min(p.entity, q.entity)}|${Math.max(p.entity, q.entity)}`) === 'parent-child' && q.birth.y < p.birth.y);
    if (parent) guarantorOf.set(p.entity, parent);
  }
  const orgs = Array.from({ length: orgCount }, (_, i) => `org-${i + 1}`);
  const localCounter = new Map<string, number>();
  for (const p of persons) {
    let n = 1;
    while (n < orgCount && r() < (meanRegistrations - 1) / meanRegistrations) n++;
    const seen = new Set<string>();
    while (seen.size < n) seen.add(pick(orgs));
    for (const org of seen) {
      const local = (localCounter.get(org) ?? 0) + 1;
      localCounter.set(org, local);
      records.push({ entity: p.entity, household: p.household, organizationId: org, localId: `${org}-${local}`, demographics: registration(p, homes.get(p.household)!, guarantorOf.get(p.entity)) });
    }
  }
  for (let i = records.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [records[i], records[j]] = [records[j], records[i]];
  }
  return { records, relationships };

  /** One organization's registration of `p`, with that clerk's errors. */
  function registration(p: Person, home: Home, guarantor: Person | undefined): Demographics {
    let given = p.given;
    let family = p.family;
    let birth = { ...p.birth };
    let line = home.line;
    let postalCode = home.postalCode;
    let cityName = home.city;
    let phone = home.phone && (!p.mobile || r() < 0.5) ? home.phone : p.mobile;
    const typo = (s: string) => {
      if (s.length < 4) return s;
      const i = 1 + Math.floor(r() * (s.length - 2));
      const t = r();
      if (t < 0.3) return s.slice(0, i) + s[i + 1] + s[i] + s.slice(i + 2);
      if (t < 0.6) return s.slice(0, i) + s.slice(i + 1);
      return s.slice(0, i) + 'ABCDEFGHIJKLMNOPRSTUVWY'[Math.floor(r() * 23)] + s.slice(i + 1);
    };
    if (r() < 0.05) given = typo(given);
    else if (NICK[given] && r() < 0.12) given = NICK[given];
    if (r() < 0.05) family = typo(family);
    if (p.maidenName && r() < 0.2) family = p.maidenName; // registered before the marriage
    const e = r();
    if (e < 0.015 && birth.d <= 12) birth = { ...birth, m: birth.d, d: birth.m };
    else if (e < 0.035) birth = { ...birth, d: Math.max(1, Math.min(28, birth.d + (r() < 0.5 ? -1 : 1))) };
    else if (e < 0.045) birth = { ...birth, y: birth.y + (r() < 0.5 ? -1 : 1) };
    if (r() < 0.15) {
      // Moved since (or before) this registration.
      const other = newHome();
      ({ line, postalCode } = other);
      cityName = other.city;
      phone = r() < 0.5 ? other.phone : phone;
    } else if (r() < 0.04) line = typo(line);
    let ssnValue = p.ssn && r() < 0.8 ? p.ssn : null;
    if (ssnValue && r() < 0.02) ssnValue = ssnValue.slice(0, 4) + ssnValue[5] + ssnValue[4] + ssnValue.slice(6);
    // A parent's (guarantor's) SSN copied onto a child's registration.
    if (guarantor?.ssn && r() < 0.02) ssnValue = guarantor.ssn;
    const iso = `${birth.y}-${String(birth.m).padStart(2, '0')}-${String(birth.d).padStart(2, '0')}`;
    const d: Demographics = {
      name: [{ family, given: [given, ...(p.middle && r() < 0.5 ? [r() < 0.5 ? p.middle : p.middle[0]] : [])], ...(p.suffix && r() < 0.3 ? { suffix: [p.suffix] } : {}) }],
      birthDate: iso,
      ...(r() < 0.9 ? { sex: p.sex } : {}),
      address: [{ line: [line, ...(home.unit && r() < 0.7 ? [home.unit] : [])], city: cityName, state: 'WI', postalCode, country: 'US' }],
      telecom: phone && r() < 0.85 ? [{ system: 'phone', value: phone }] : [],
      identifiers: ssnValue ? [{ system: SSN_SYSTEM, value: ssnValue }] : [],
    };
    return d;
  }
}
