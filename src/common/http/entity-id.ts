import { Transform } from 'class-transformer';
import { IsUUID } from 'class-validator';

/**
 * An id the service minted (a UUID: person, record, review task, merge, batch load) in a path,
 * query or body, validated and brought to the form the service stores and answers with
 * (lower case). PostgreSQL's uuid compares case-blind, but the id also goes on as text: into
 * the answer and into the audit event's disclosed persons, where `GET /persons/{ID}` in
 * upper case was recorded as another person than the same id in lower case, and the audit
 * API's person filter missed that disclosure.
 */
export function EntityId(message: string): PropertyDecorator {
  const canonical = Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value));
  const uuid = IsUUID('all', { message });
  return (target, key) => {
    canonical(target, key as string);
    uuid(target, key as string);
  };
}
