import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { DomainError, type FieldError } from '../errors/domain-error.js';
import { nestingErrors } from '../nesting-depth.js';
import { unstorableCharacterErrors } from '../unstorable-characters.js';

/** Flattens class-validator's nested errors into one entry per bad field (`name[0].given[1]`). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const field = !parent ? e.property : /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : `${parent}.${e.property}`;
    if (e.constraints) {
      out.push({ field, messages: Object.values(e.constraints).map((m) => m.replace(/^property (\S+) should not exist$/, 'unknown field')) });
    }
    if (e.children?.length) out.push(...flattenValidationErrors(e.children, field));
  }
  return out;
}

/**
 * The global pipe: a body, query or path parameter nested too deep (class-transformer's
 * recursion would exhaust the stack; see nesting-depth.ts) or holding a character PostgreSQL
 * cannot store (a NUL, an unpaired surrogate; see unstorable-characters.ts) answers 400 naming the field before
 * anything else looks at it; then class-validator as configured below.
 */
class RequestValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const deep = nestingErrors(value, metadata.data ?? '');
      if (deep.length > 0) throw DomainError.validation(deep);
      const unstorable = unstorableCharacterErrors(value, metadata.data ?? '');
      if (unstorable.length > 0) throw DomainError.validation(unstorable);
    }
    return super.transform(value, metadata);
  }
}

/** Whitelist, refuse unknown fields, transform to DTO classes, and answer 400 naming every field. */
export function createValidationPipe(): ValidationPipe {
  return new RequestValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => DomainError.validation(flattenValidationErrors(errors)),
  });
}
