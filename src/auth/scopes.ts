export const SCOPES = ['admin', 'feed', 'query', 'steward'] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is calling, as proven by a verified access token. */
export interface Principal {
  clientId: string;
  organizationId: string | null;
  scopes: Scope[];
}
