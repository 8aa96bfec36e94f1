/**
 * An organization's own patient id (MRN) as a record's key: 1-100 characters, none of them
 * white space, a slash, a backslash, a control character (U+0000 among them, which
 * PostgreSQL cannot store) or an unpaired surrogate (which its jsonb refuses). One rule for
 * the record route's path parameter and batch rows.
 */
export const LOCAL_ID_PATTERN = /^[^\s/\\\p{Cc}\p{Cs}]{1,100}$/u;

export const LOCAL_ID_MESSAGE = 'localId must be 1-100 characters without spaces, slashes, control characters or unpaired surrogates';
