import { DomainError, type FieldError } from '../common/errors/domain-error.js';

export enum BatchErrorCode {
  LoadNotFound = 'BATCH_LOAD_NOT_FOUND',
  UnsupportedFormat = 'BATCH_UNSUPPORTED_MEDIA_TYPE',
  BadHeader = 'BATCH_BAD_HEADER',
  MalformedFile = 'BATCH_MALFORMED_FILE',
  TooLarge = 'BATCH_FILE_TOO_LARGE',
  NoFile = 'BATCH_NO_FILE',
  QueueUnavailable = 'BATCH_QUEUE_UNAVAILABLE',
}

export class BatchError extends DomainError {
  static loadNotFound() {
    return new BatchError('not-found', BatchErrorCode.LoadNotFound, 'No such batch load');
  }
  static unsupportedMediaType(contentType: string) {
    return new BatchError(
      'unsupported-media-type',
      BatchErrorCode.UnsupportedFormat,
      `Content type ${contentType.slice(0, 80) || '(none)'} is not accepted: send text/csv, application/x-ndjson or multipart/form-data with a field "file"`,
    );
  }
  static badHeader(details: FieldError[]) {
    return new BatchError('validation', BatchErrorCode.BadHeader, 'The CSV header is not usable', details);
  }
  /**
   * The file cannot be read as CSV at all (an unclosed quote): `row` is the data row the
   * parser failed in, `line` the file's line it had reached (a quoted field may span lines).
   */
  static malformed(row: number, reason: string, line?: number) {
    const where = line ? `near row ${row} (line ${line})` : `near row ${row}`;
    return new BatchError('validation', BatchErrorCode.MalformedFile, `The file is not valid CSV ${where}: ${reason}`, [
      { field: 'file', messages: [`not valid CSV ${where} (${reason})`] },
    ]);
  }
  static tooLarge(limitBytes: number) {
    return new BatchError('payload-too-large', BatchErrorCode.TooLarge, `The file is larger than the batch upload limit of ${limitBytes} bytes (BATCH_UPLOAD_LIMIT)`);
  }
  static noFile() {
    return new BatchError('validation', BatchErrorCode.NoFile, 'The multipart body has no field "file"', [{ field: 'file', messages: ['is required'] }]);
  }
  static queueUnavailable() {
    return new BatchError('unavailable', BatchErrorCode.QueueUnavailable, 'The load is stored but could not be queued; it resumes when the job queue is back');
  }
}
