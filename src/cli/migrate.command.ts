import { Command } from 'nest-commander';
import { databaseCall } from '../common/errors/store-unavailable.error.js';
import { migrateToLatest } from '../database/migrate.js';
import { MIGRATIONS } from '../database/migrations/index.js';
import { CliCommand } from './cli-command.js';
import { CliStore } from './cli-store.js';

@Command({
  name: 'migrate',
  description:
    'Applies the database migrations not applied yet (under an advisory lock: safe while instances start); ' +
    'the API also does this at boot unless DATABASE_MIGRATE=false',
})
export class MigrateCommand extends CliCommand {
  constructor(private readonly store: CliStore) {
    super();
  }

  async run(): Promise<void> {
    const db = this.store.requireDatabase();
    const applied = await databaseCall(() => migrateToLatest(db));
    const total = Object.keys(MIGRATIONS).length;
    for (const name of applied) this.say(`applied ${name}`);
    this.say(`up to date: ${total} migrations applied${applied.length === 0 ? ', none of them now' : ''}`);
  }
}
