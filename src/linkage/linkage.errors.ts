import { DomainError } from '../common/errors/domain-error.js';

export enum LinkageErrorCode {
  RecordNotFound = 'RECORD_NOT_FOUND',
  PersonNotFound = 'PERSON_NOT_FOUND',
  PersonNotActive = 'PERSON_NOT_ACTIVE',
  RecordNotInPerson = 'RECORD_NOT_IN_PERSON',
  RecordIsAlone = 'RECORD_IS_ALONE',
  SamePerson = 'SAME_PERSON',
  MergeNotFound = 'MERGE_NOT_FOUND',
  MergeAlreadyUndone = 'MERGE_ALREADY_UNDONE',
  MergeBlocked = 'MERGE_BLOCKED',
}

export class LinkageError extends DomainError {
  static recordNotFound() {
    return new LinkageError('not-found', LinkageErrorCode.RecordNotFound, 'No such record');
  }
  static personNotFound() {
    return new LinkageError('not-found', LinkageErrorCode.PersonNotFound, 'No such person');
  }
  static personNotActive(status: string) {
    return new LinkageError('conflict', LinkageErrorCode.PersonNotActive, `The person is ${status}, not active`);
  }
  static recordNotInPerson() {
    return new LinkageError('not-found', LinkageErrorCode.RecordNotInPerson, 'The record is not linked to this person');
  }
  static recordIsAlone() {
    return new LinkageError('conflict', LinkageErrorCode.RecordIsAlone, 'The record is the only record of its person; there is nothing to unlink it from');
  }
  static samePerson() {
    return new LinkageError('validation', LinkageErrorCode.SamePerson, 'A person cannot be merged into itself', [
      { field: 'personId', messages: ['must differ from the person merged into'] },
    ]);
  }
  static mergeNotFound() {
    return new LinkageError('not-found', LinkageErrorCode.MergeNotFound, 'No such merge');
  }
  static mergeAlreadyUndone() {
    return new LinkageError('conflict', LinkageErrorCode.MergeAlreadyUndone, 'The merge was already undone');
  }
  static mergeBlocked(laterMergeId: string) {
    return new LinkageError('conflict', LinkageErrorCode.MergeBlocked, `The surviving person was merged again later; undo merge ${laterMergeId} first`);
  }
}
