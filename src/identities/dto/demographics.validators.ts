import { registerDecorator, type ValidationOptions } from 'class-validator';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date (YYYY-MM-DD), not in the future and not before 1850. */
export function IsPastCalendarDate(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isPastCalendarDate',
      target: object.constructor,
      propertyName,
      options,
      validator: {
        validate(value: unknown) {
          return typeof value === 'string' && pastCalendarDateProblem(value) === null;
        },
        defaultMessage(args) {
          return `${args?.property ?? 'value'} ${pastCalendarDateProblem(String(args?.value)) ?? 'must be a date'}`;
        },
      },
    });
}

export function pastCalendarDateProblem(value: string, today: Date = new Date()): string | null {
  const m = ISO_DATE.exec(value);
  if (!m) return 'must be a date written YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return 'is not a real calendar date';
  if (y < 1850) return 'must not be before 1850';
  const todayUtc = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  // A day of slack for time zones east of UTC, where "today" is already tomorrow in UTC terms.
  if (date.getTime() > todayUtc + 86_400_000) return 'must not be in the future';
  return null;
}

/** At least one name with a non-blank family or given part. */
export function HasUsableName(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'hasUsableName',
      target: object.constructor,
      propertyName,
      options: { message: `${propertyName} must contain at least one name with a non-empty family or given name`, ...options },
      validator: {
        validate(value: unknown) {
          if (!Array.isArray(value)) return false;
          return value.some((n: { family?: unknown; given?: unknown }) => {
            if (!n || typeof n !== 'object') return false;
            const family = typeof n.family === 'string' && /[\p{L}\p{N}]/u.test(n.family);
            const given = Array.isArray(n.given) && n.given.some((g) => typeof g === 'string' && /[\p{L}\p{N}]/u.test(g));
            return family || given;
          });
        },
      },
    });
}

/** A phone number with 7 to 15 digits (E.164 allows 15), in any usual punctuation. */
export const PHONE = /^\+?[\d\s().\-x]{7,30}$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
