export { describeMigrationsContract } from './migrations-contract';
