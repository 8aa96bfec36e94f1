import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { type FieldError } from '../common/errors/domain-error.js';
import { flattenValidationErrors } from '../common/http/validation.js';
import { nestingErrors } from '../common/nesting-depth.js';
import { nulCharacterErrors } from '../common/nul-characters.js';
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
  // and a NUL (PostgreSQL could not store it, nor a field name holding one) are reported alone.
  const deep = nestingErrors(plain);
  if (deep.length > 0) return { errors: deep };
  const nul = nulCharacterErrors(plain);
  if (nul.length > 0) return { errors: nul };
  const dto = plainToInstance(DemographicsDto, plain);
  const errors = flattenValidationErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true }));
  return errors.length ? { errors } : { value: dto, errors };
}
