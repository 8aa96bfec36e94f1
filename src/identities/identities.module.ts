import { Module } from '@nestjs/common';
import { SourceRecordsRepository } from './source-records.repository.js';

/**
 * Source records as organizations submit them: storage, blocking keys, validation of
 * demographics. The linking use cases (src/linkage) drive it inside their transactions.
 */
@Module({
  providers: [SourceRecordsRepository],
  exports: [SourceRecordsRepository],
})
export class IdentitiesModule {}
