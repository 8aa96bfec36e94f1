import { IsString, Matches } from 'class-validator';
import { LOCAL_ID_MESSAGE, LOCAL_ID_PATTERN } from '../local-id.js';
import { ORGANIZATION_ID_PATTERN } from '../../organizations/organization-id.js';

export class RecordParams {
  @IsString() @Matches(ORGANIZATION_ID_PATTERN, { message: 'orgId must be an organization id' })
  orgId: string;

  /** The organization's own patient id (MRN): see local-id.ts. */
  @IsString() @Matches(LOCAL_ID_PATTERN, { message: LOCAL_ID_MESSAGE })
  localId: string;
}
