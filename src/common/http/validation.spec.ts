import { describe, expect, it } from 'vitest';
import type { ValidationError } from '@nestjs/common';
import { flattenValidationErrors } from './validation.js';

describe('flattenValidationErrors', () => {
  it('names nested fields the way the client wrote them', () => {
    const errors = [
      { property: 'name', children: [{ property: '0', children: [{ property: 'family', constraints: { isNotEmpty: 'family should not be empty' }, children: [] }] }] },
      { property: 'extra', constraints: { whitelistValidation: 'property extra should not exist' }, children: [] },
    ] as unknown as ValidationError[];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name[0].family', messages: ['family should not be empty'] },
      { field: 'extra', messages: ['unknown field'] },
    ]);
  });
});
