import { DomainError } from '../common/errors/domain-error.js';

export enum ReviewErrorCode {
  ReviewTaskNotFound = 'REVIEW_TASK_NOT_FOUND',
  ReviewTaskNotOpen = 'REVIEW_TASK_NOT_OPEN',
  InvalidCursor = 'INVALID_CURSOR',
}

export class ReviewError extends DomainError {
  static taskNotFound() {
    return new ReviewError('not-found', ReviewErrorCode.ReviewTaskNotFound, 'No such review task');
  }
  static taskNotOpen(status: string) {
    return new ReviewError('conflict', ReviewErrorCode.ReviewTaskNotOpen, `The review task is ${status}, not open`);
  }
  static invalidCursor() {
    return new ReviewError('validation', ReviewErrorCode.InvalidCursor, 'The cursor is not valid', [{ field: 'cursor', messages: ['must be a nextCursor value'] }]);
  }
}
