import { DomainError } from '../common/errors/domain-error.js';

export enum ConsoleErrorCode {
  AssetNotFound = 'CONSOLE_ASSET_NOT_FOUND',
  NotBuilt = 'CONSOLE_NOT_BUILT',
}

export class ConsoleError extends DomainError {
  static assetNotFound() {
    return new ConsoleError('not-found', ConsoleErrorCode.AssetNotFound, 'No such console file');
  }
  static notBuilt() {
    return new ConsoleError('unavailable', ConsoleErrorCode.NotBuilt, 'The steward console is not built: run `npm run build:console`');
  }
}
