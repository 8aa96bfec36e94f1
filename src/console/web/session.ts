/**
 * The steward's access token, in sessionStorage only: gone when the tab closes, never in
 * localStorage or a cookie, never sent anywhere but this origin's API. The client secret is
 * never stored.
 */
const KEY = 'mpi.console.session';

interface Stored {
  token: string;
  who: string;
  expiresAt: number | null;
}

function read(): Stored | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Stored;
    if (s.expiresAt !== null && Date.now() >= s.expiresAt) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export const session = {
  token: (): string | null => read()?.token ?? null,
  who: (): string | null => read()?.who ?? null,
  expiresAt: (): number | null => read()?.expiresAt ?? null,
  save(token: string, who: string, expiresInSeconds: number | null): void {
    const s: Stored = { token, who, expiresAt: expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : null };
    sessionStorage.setItem(KEY, JSON.stringify(s));
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
  },
};

/** The claims of a JWT, read for display only (the server verifies it). */
export function tokenClaims(token: string): { sub?: string; scope?: string; scopes?: string[]; exp?: number } | null {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '='));
    return JSON.parse(json) as { sub?: string; scope?: string; exp?: number };
  } catch {
    return null;
  }
}
