import { Module, type DynamicModule } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module.js';
import { PasswordHasher } from '../auth/password-hasher.service.js';
import { AppConfigModule } from '../config/config.module.js';
import type { AllConfig } from '../config/config.types.js';
import { DatabaseModule } from '../database/database.module.js';
import { RedisConnectionModule } from '../redis/redis.module.js';
import { UsersModule } from '../users/users.module.js';
import { CliStore } from './cli-store.js';
import { CreateAdminCommand } from './create-admin.command.js';
import { DisableCommand } from './disable.command.js';
import { EnableCommand } from './enable.command.js';
import { MigrateCommand } from './migrate.command.js';
import { RevokeSessionsCommand } from './revoke-sessions.command.js';
import { StatsCommand } from './stats.command.js';

/** The operator CLI: the app's own config, Redis connection, users and admin actions, without the HTTP layer. */
@Module({
  providers: [
    PasswordHasher,
    CliStore,
    CreateAdminCommand,
    DisableCommand,
    EnableCommand,
    MigrateCommand,
    RevokeSessionsCommand,
    StatsCommand,
  ],
})
export class CliModule {
  static forRoot(config: AllConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        AppConfigModule.forRoot(config),
        RedisConnectionModule.forRoot(config.redis),
        DatabaseModule.forRoot('cli'),
        UsersModule,
        AdminModule,
      ],
    };
  }
}
