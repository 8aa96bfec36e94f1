import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/app-config.js';
import { buildDataSourceOptions } from './data-source-options.js';

/** For the TypeORM CLI against a real PostgreSQL (DATABASE_URL must be set). */
const config = loadConfig();
if (!config.database.url) throw new Error('Set DATABASE_URL to run the TypeORM CLI');
export default new DataSource(buildDataSourceOptions(config.database.url, 2));
