import { CreateFoundation1764043200000 } from '../../migrations/1764043200000-CreateFoundation.js';

/** Migrations listed as classes (a glob would make TypeORM require() .ts files). In order. */
export const MIGRATIONS = [CreateFoundation1764043200000];
