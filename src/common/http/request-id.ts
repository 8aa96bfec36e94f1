import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

/** Takes the caller's X-Request-Id when it is a plain token, else makes one; echoes it back. */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const existing = (req as IncomingMessage & { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && SAFE_ID.test(header) ? header : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Route words kept in log lines; every other path segment (ids, MRNs) is masked. */
const ROUTE_WORDS = new Set([
  'api', 'v1', 'health', 'auth', 'token', 'docs', 'docs-json', 'organizations', 'endpoints', 'clients',
  'records', 'persons', 'match', 'compare', 'record-locations', 'search', 'review-tasks', 'resolve',
  'merge', 'merges', 'undo', 'history', 'consent', 'batch-loads', 'errors', 'audit-events', 'fhir',
  'console', 'metadata', 'Patient', 'Organization', 'Endpoint', 'disable',
]);

/** The request path with query and identifying segments removed, safe for logs (no PHI). */
export function loggablePath(url: string | undefined): string {
  const path = (url ?? '').split('?')[0];
  return path
    .split('/')
    .map((seg) => (seg === '' || ROUTE_WORDS.has(seg) || seg.startsWith('$') ? seg : ':id'))
    .join('/');
}
