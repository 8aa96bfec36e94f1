import { DomainError } from '../common/errors/domain-error.js';

export enum OrganizationErrorCode {
  NotFound = 'ORGANIZATION_NOT_FOUND',
  IdTaken = 'ORGANIZATION_ID_TAKEN',
  AssigningAuthorityTaken = 'ASSIGNING_AUTHORITY_TAKEN',
}

export class OrganizationError extends DomainError {
  static notFound() {
    return new OrganizationError('not-found', OrganizationErrorCode.NotFound, 'No such organization');
  }
  static idTaken() {
    return new OrganizationError('conflict', OrganizationErrorCode.IdTaken, 'An organization with this id already exists', [
      { field: 'id', messages: ['already taken'] },
    ]);
  }
  static assigningAuthorityTaken() {
    return new OrganizationError('conflict', OrganizationErrorCode.AssigningAuthorityTaken, 'Another organization already uses this assigning authority', [
      { field: 'assigningAuthority', messages: ['already used by another organization'] },
    ]);
  }
}
