import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** HMAC key for access tokens, kept in the database so every API process signs alike. */
@Entity('auth_signing_key')
export class SigningKeyEntity {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  secret: string;

  @Column({ type: 'boolean', default: true })
  active: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
