import { DomainError } from '../common/errors/domain-error.js';

export enum LinkageErrorCode {
  RecordNotFound = 'RECORD_NOT_FOUND',
  PersonNotFound = 'PERSON_NOT_FOUND',
}

export class LinkageError extends DomainError {
  static recordNotFound() {
    return new LinkageError('not-found', LinkageErrorCode.RecordNotFound, 'No such record');
  }
  static personNotFound() {
    return new LinkageError('not-found', LinkageErrorCode.PersonNotFound, 'No such person');
  }
}
