import { DomainError } from '../common/errors/domain-error.js';

export enum AuthErrorCode {
  MissingToken = 'TOKEN_MISSING',
  InvalidToken = 'TOKEN_INVALID',
  InsufficientScope = 'INSUFFICIENT_SCOPE',
  OrganizationForbidden = 'ORGANIZATION_FORBIDDEN',
  InvalidClient = 'INVALID_CLIENT',
  InvalidRequest = 'INVALID_REQUEST',
  UnsupportedGrantType = 'UNSUPPORTED_GRANT_TYPE',
  InvalidScope = 'INVALID_SCOPE',
  ClientNotFound = 'CLIENT_NOT_FOUND',
  ClientExists = 'CLIENT_EXISTS',
}

export class AuthError extends DomainError {
  static missingToken() {
    return new AuthError('unauthorized', AuthErrorCode.MissingToken, 'A bearer token is required');
  }
  static invalidToken() {
    return new AuthError('unauthorized', AuthErrorCode.InvalidToken, 'The bearer token is invalid or expired');
  }
  static insufficientScope(required: readonly string[]) {
    return new AuthError('forbidden', AuthErrorCode.InsufficientScope, `This call needs one of the scopes: ${required.join(', ')}`);
  }
  static organizationForbidden() {
    return new AuthError('forbidden', AuthErrorCode.OrganizationForbidden, "This client may only act on its own organization's data");
  }
  // OAuth2 token endpoint errors (RFC 6749 §5.2) also carry `error` and `error_description`.
  static invalidClient() {
    const message = 'Unknown client or wrong secret';
    return new AuthError('unauthorized', AuthErrorCode.InvalidClient, message, undefined, { error: 'invalid_client', error_description: message });
  }
  static invalidRequest(field: string, problem: string) {
    return new AuthError('validation', AuthErrorCode.InvalidRequest, problem, [{ field, messages: [problem] }], {
      error: 'invalid_request',
      error_description: problem,
    });
  }
  static unsupportedGrantType() {
    const message = 'Only grant_type=client_credentials is supported';
    return new AuthError('validation', AuthErrorCode.UnsupportedGrantType, message, [{ field: 'grant_type', messages: [message] }], {
      error: 'unsupported_grant_type',
      error_description: message,
    });
  }
  static invalidScope(scopes: string[]) {
    const message = `Scopes not granted to this client: ${scopes.join(', ')}`;
    return new AuthError('validation', AuthErrorCode.InvalidScope, message, [{ field: 'scope', messages: [message] }], {
      error: 'invalid_scope',
      error_description: message,
    });
  }
  static clientNotFound() {
    return new AuthError('not-found', AuthErrorCode.ClientNotFound, 'No such client');
  }
  static clientExists() {
    return new AuthError('conflict', AuthErrorCode.ClientExists, 'A client with this id already exists');
  }
}
