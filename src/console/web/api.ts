/** The steward REST API as the console uses it (contract: shared/API.md and the review module). */
import { session } from './session.js';

export interface RuleSetRef {
  id: string;
  version: string;
  hash: string;
}

export interface HumanName {
  family?: string;
  given?: string[];
  prefix?: string[];
  suffix?: string[];
}
export interface Address {
  line?: string[];
  city?: string;
  state?: string;
  postalCode?: string;
  country?: string;
}
export interface ContactPoint {
  system: string;
  value: string;
}
export interface Identifier {
  system: string;
  value: string;
}
export interface Demographics {
  name?: HumanName[];
  birthDate?: string;
  sex?: string;
  address?: Address[];
  telecom?: ContactPoint[];
  identifiers?: Identifier[];
  mothersMaidenName?: string;
}

export interface Contribution {
  field: string;
  level: string;
  a: string | null;
  b: string | null;
  weight: number;
  m?: number;
  u?: number;
  tfAdjustment?: number;
}

export interface TaskSide {
  recordId: string;
  organizationId: string;
  localId: string;
  personId: string | null;
  demographics: Demographics;
}

export type Grade = 'certain' | 'probable' | 'possible';
export type Decision = 'same-person' | 'different-people';

export interface ReviewTask {
  id: string;
  status: 'open' | 'resolved' | 'dismissed';
  reason: string;
  createdAt: string;
  score: number;
  probability: number;
  grade: Grade | string;
  priorWeight: number;
  ruleSet: RuleSetRef | null;
  record: TaskSide;
  candidate: TaskSide;
  contributions: Contribution[];
  resolution: null | { decision: Decision; note: string | null; resolvedBy: string; resolvedAt: string };
}

export interface TaskPage {
  items: ReviewTask[];
  nextCursor: string | null;
  total: number;
}

export interface Link {
  method: string;
  grade: string | null;
  score: number | null;
  reason?: string | null;
  linkedAt?: string;
}

export interface GoldenView {
  name?: HumanName;
  birthDate?: string;
  sex?: string;
  address?: Address;
  telecom: ContactPoint[];
  identifiers: Identifier[];
  mothersMaidenName?: string;
  sourceCount: number;
}

export interface Person {
  personId: string;
  status?: string;
  mergedInto?: string | null;
  golden?: GoldenView | null;
  records: Array<{ recordId: string; organizationId: string; localId: string; link: Link }>;
}

export interface HistoryEvent {
  id: string | number;
  occurredAt: string;
  event: string;
  recordId: string | null;
  organizationId: string | null;
  localId: string | null;
  personId: string | null;
  previousPersonId: string | null;
  method: string | null;
  grade: string | null;
  score: number | null;
  probability: number | null;
  reason: string | null;
  ruleSet: RuleSetRef | null;
  actor: string | null;
  requestId: string | null;
}

export interface Merge {
  mergeId: string;
  personId: string;
  mergedPersonId: string;
  status: 'active' | 'undone';
  createdAt: string;
  createdBy: string | null;
  undoneAt: string | null;
  undoneBy: string | null;
}

export interface Location {
  organization: { id: string; name: string; assigningAuthority: string };
  patientIdentifier: Identifier;
  link: Link;
  firstSeen: string;
  lastUpdated: string;
  endpoints: Array<{ id: string; connectionType: string; address: string; status: string }>;
}

export interface Candidate {
  personId: string;
  score: number;
  probability: number;
  grade: string;
  contributions: Contribution[];
}

/** An error answer of the API (`{ statusCode, code, message, details?, requestId }`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
    readonly details?: Array<{ field: string; messages: string[] }>,
  ) {
    super(message);
  }

  /** One line for the steward: what went wrong, and the request id to quote to support. */
  describe(): string {
    const head =
      this.status === 401
        ? 'Not signed in or the session expired (401)'
        : this.status === 403
          ? 'Forbidden: this token does not carry the steward scope (403)'
          : this.status === 0
            ? 'The service could not be reached'
            : `${this.message} (${this.status}${this.code ? ` ${this.code}` : ''})`;
    const details = this.details?.length ? `: ${this.details.map((d) => `${d.field} ${d.messages.join(', ')}`).join('; ')}` : '';
    return `${head}${details}${this.requestId ? ` · request ${this.requestId}` : ''}`;
  }
}

/** Called on any 401 so the app can go back to the sign-in form. */
let onUnauthorized: (e: ApiError) => void = () => undefined;
export function setUnauthorizedHandler(fn: (e: ApiError) => void): void {
  onUnauthorized = fn;
}

async function call<T>(method: string, path: string, body?: unknown, token = session.token()): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'NETWORK', 'The service could not be reached');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string; requestId?: string; details?: Array<{ field: string; messages: string[] }>; error_description?: string };
    const err = new ApiError(res.status, e.code ?? '', e.message ?? e.error_description ?? res.statusText, e.requestId ?? res.headers.get('x-request-id') ?? undefined, e.details);
    if (res.status === 401 && token && token === session.token()) onUnauthorized(err);
    throw err;
  }
  return json as T;
}

const enc = encodeURIComponent;

export const api = {
  /** OAuth2 client credentials, narrowed to the steward scope. */
  token: (clientId: string, clientSecret: string) =>
    call<{ access_token: string; token_type: string; expires_in: number; scope: string }>(
      'POST',
      '/auth/token',
      { grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'steward' },
      null,
    ),
  reviewTasks: (q: { status?: string; limit?: number; cursor?: string | null; organizationId?: string; grade?: string }, token?: string) => {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
    return call<TaskPage>('GET', `/api/v1/review-tasks?${p}`, undefined, token);
  },
  reviewTask: (id: string) => call<ReviewTask>('GET', `/api/v1/review-tasks/${enc(id)}`),
  resolve: (id: string, decision: Decision, note?: string) =>
    call<{ task: ReviewTask; recordId: string; personId: string; previousPersonId: string | null }>('POST', `/api/v1/review-tasks/${enc(id)}/resolve`, {
      decision,
      ...(note ? { note } : {}),
    }),
  person: (id: string) => call<Person>('GET', `/api/v1/persons/${enc(id)}`),
  personHistory: (id: string, before?: string | null) =>
    call<{ personId: string; events: HistoryEvent[]; nextCursor?: string | null }>('GET', `/api/v1/persons/${enc(id)}/history${before ? `?before=${enc(before)}` : ''}`),
  recordHistory: (id: string) => call<{ recordId: string; events: HistoryEvent[] }>('GET', `/api/v1/records/${enc(id)}/history`),
  personLocations: (id: string) => call<{ personId: string | null; locations: Location[] }>('GET', `/api/v1/persons/${enc(id)}/record-locations`),
  locateByIdentifier: (identifier: string) =>
    call<{ personId: string | null; locations: Location[] }>('GET', `/api/v1/record-locations?identifier=${enc(identifier)}`),
  merges: (personId: string) => call<{ items: Merge[] }>('GET', `/api/v1/merges?personId=${enc(personId)}`),
  linkRecord: (personId: string, recordId: string, note?: string) =>
    call<{ recordId: string; personId: string; previousPersonId: string | null }>('POST', `/api/v1/persons/${enc(personId)}/records`, { recordId, ...(note ? { note } : {}) }),
  unlinkRecord: (personId: string, recordId: string) =>
    call<{ recordId: string; personId: string; previousPersonId: string | null }>('DELETE', `/api/v1/persons/${enc(personId)}/records/${enc(recordId)}`),
  merge: (personId: string, mergedPersonId: string, note?: string) =>
    call<{ mergeId: string; personId: string; mergedPersonId: string; movedRecordIds: string[] }>('POST', `/api/v1/persons/${enc(personId)}/merge`, {
      personId: mergedPersonId,
      ...(note ? { note } : {}),
    }),
  undoMerge: (mergeId: string) =>
    call<{ mergeId: string; status: string; personId: string; restoredPersonId: string; restoredRecordIds: string[]; notRestored: Array<{ recordId: string; personId: string; reason: string }> }>(
      'POST',
      `/api/v1/merges/${enc(mergeId)}/undo`,
    ),
  match: (demographics: Demographics, limit = 10) => call<{ candidates: Candidate[] }>('POST', '/api/v1/match', { demographics, limit }),
};
