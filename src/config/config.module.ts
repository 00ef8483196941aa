import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { AllConfig } from './config.types.js';

/**
 * Serves the config `loadConfig` built (validated once, before Nest starts) through `ConfigService<AllConfig, true>`:
 * nothing here reads the environment or a `.env` file again.
 */
@Module({})
export class AppConfigModule {
  static forRoot(config: AllConfig): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          validatePredefined: false,
          load: [() => config],
        }),
      ],
    };
  }
}
