import { CreateFoundation1764043200000 } from '../../migrations/1764043200000-CreateFoundation.js';
import { CreateIdentityLinkage1764050400000 } from '../../migrations/1764050400000-CreateIdentityLinkage.js';
import { AddRecordLocator1764057600000 } from '../../migrations/1764057600000-AddRecordLocator.js';
import { AddStewardship1764064800000 } from '../../migrations/1764064800000-AddStewardship.js';
import { CreateBatchLoads1764072000000 } from '../../migrations/1764072000000-CreateBatchLoads.js';
import { AddLinkageChangeTracking1764079200000 } from '../../migrations/1764079200000-AddLinkageChangeTracking.js';
import { AuditPersonIndexWithoutPendingList1764093600000 } from '../../migrations/1764093600000-AuditPersonIndexWithoutPendingList.js';
import { BlockingKeyWithoutRecordForeignKey1764100800000 } from '../../migrations/1764100800000-BlockingKeyWithoutRecordForeignKey.js';
import { BlockingKeyRecordCheckDeferrable1764108000000 } from '../../migrations/1764108000000-BlockingKeyRecordCheckDeferrable.js';
import { AddRecordCreatedXid1764115200000 } from '../../migrations/1764115200000-AddRecordCreatedXid.js';
import { RecordLinkCoveringKey1764122400000 } from '../../migrations/1764122400000-RecordLinkCoveringKey.js';
import { RecordDocumentsAsJson1764129600000 } from '../../migrations/1764129600000-RecordDocumentsAsJson.js';
import { LinkageReferencesCheckedPerStatement1764144000000 } from '../../migrations/1764144000000-LinkageReferencesCheckedPerStatement.js';
import { BlockingKeyUnlogged1764151200000 } from '../../migrations/1764151200000-BlockingKeyUnlogged.js';
import { RecordLinkWaitingIndex1764237600000 } from '../../migrations/1764237600000-RecordLinkWaitingIndex.js';
import { LocatorPersonsWithIdentifiers1764136800000 } from '../../migrations/1764136800000-LocatorPersonsWithIdentifiers.js';

/** Migrations listed as classes (a glob would make TypeORM require() .ts files). In order. */
export const MIGRATIONS = [CreateFoundation1764043200000, CreateIdentityLinkage1764050400000, AddRecordLocator1764057600000, AddStewardship1764064800000, CreateBatchLoads1764072000000, AddLinkageChangeTracking1764079200000, AuditPersonIndexWithoutPendingList1764093600000, BlockingKeyWithoutRecordForeignKey1764100800000, BlockingKeyRecordCheckDeferrable1764108000000, AddRecordCreatedXid1764115200000, RecordLinkCoveringKey1764122400000, RecordDocumentsAsJson1764129600000, LocatorPersonsWithIdentifiers1764136800000, LinkageReferencesCheckedPerStatement1764144000000, BlockingKeyUnlogged1764151200000, RecordLinkWaitingIndex1764237600000];
