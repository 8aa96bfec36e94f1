/**
 * The code of an error, for logs and decisions: a TypeORM QueryFailedError's SQLSTATE (its
 * driver error's `code`), a pg or socket error's own `code` (SQLSTATE, ECONNREFUSED…); never
 * its message, which may quote values (PHI). Undefined when it has none.
 */
export function errorCodeOf(e: unknown): string | undefined {
  const x = e as { code?: unknown; driverError?: { code?: unknown } } | null | undefined;
  const code = x?.driverError?.code ?? x?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The error's class, and its code when it has one ('QueryFailedError 08P01'): what a log line or an operator may see. */
export function errorReasonOf(e: unknown): string {
  const name = e instanceof Error ? e.name : typeof e;
  const code = errorCodeOf(e);
  return code === undefined ? name : `${name} ${code}`;
}
