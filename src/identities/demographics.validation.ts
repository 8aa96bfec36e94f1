import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { type FieldError } from '../common/errors/domain-error.js';
import { flattenValidationErrors } from '../common/http/validation.js';
import { nestingErrors } from '../common/nesting-depth.js';
import { unstorableCharacterErrors } from '../common/unstorable-characters.js';
import { acceptsDemographics } from './demographics.fast-check.js';
import { DemographicsDto } from './dto/demographics.dto.js';

/**
 * Validates demographics outside an HTTP request (batch rows) with exactly the rules of the
 * single-record feed; returns one entry per bad field, empty when valid.
 *
 * `value`, when valid, has the DTO's shape but is not necessarily a DemographicsDto instance.
 * When the fast check accepts the input (demographics.fast-check.ts: ~1.3 µs a synthetic row
 * against class-validator's ~28-37 µs, scripts/bench-validate.ts), it is the caller's object
 * itself, as is; otherwise class-validator runs as before and it is the transformed DTO. Both
 * give the same toDemographics() (no member of a valid input is transformed).
 */
export function validateDemographics(plain: unknown): { value?: DemographicsDto; errors: FieldError[] } {
  if (!plain || typeof plain !== 'object' || Array.isArray(plain)) {
    return { errors: [{ field: 'demographics', messages: ['must be an object'] }] };
  }
  // As the request pipe does: too deep a nesting (class-transformer would exhaust the stack)
  // and a character PostgreSQL could not store (a NUL, an unpaired surrogate; nor a field name
  // holding one) are reported alone.
  const deep = nestingErrors(plain);
  if (deep.length > 0) return { errors: deep };
  const unstorable = unstorableCharacterErrors(plain);
  if (unstorable.length > 0) return { errors: unstorable };
  if (acceptsDemographics(plain)) return { value: plain as DemographicsDto, errors: [] };
  const dto = plainToInstance(DemographicsDto, plain);
  const errors = flattenValidationErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
  return errors.length ? { errors } : { value: dto, errors };
}
