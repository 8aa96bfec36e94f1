/** An organization's id: a lower-case slug (a-z, 0-9, -; at most 63 characters). One rule for every DTO that takes one. */
export const ORGANIZATION_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
