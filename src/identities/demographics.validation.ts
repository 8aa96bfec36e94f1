import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { type FieldError } from '../common/errors/domain-error.js';
import { flattenValidationErrors } from '../common/http/validation.js';
import { nestingErrors } from '../common/nesting-depth.js';
import { unstorableCharacterErrors } from '../common/unstorable-characters.js';
import { DemographicsDto } from './dto/demographics.dto.js';

/**
 * Validates demographics outside an HTTP request (batch rows) with exactly the rules of the
 * single-record feed; returns one entry per bad field, empty when valid.
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
  const dto = plainToInstance(DemographicsDto, plain);
  const errors = flattenValidationErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
  return errors.length ? { errors } : { value: dto, errors };
}
