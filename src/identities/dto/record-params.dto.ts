import { IsString, Matches } from 'class-validator';

export class RecordParams {
  @IsString() @Matches(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'orgId must be an organization id' })
  orgId: string;

  /** The organization's own patient id (MRN): 1-100 visible characters, no slash. */
  @IsString() @Matches(/^[^\s/\\]{1,100}$/u, { message: 'localId must be 1-100 characters without spaces or slashes' })
  localId: string;
}
