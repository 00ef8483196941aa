import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AllConfig } from '../../config/config.types.js';
import { AccessTokenKeys } from './access-token-keys.js';

@Module({
  providers: [
    {
      provide: AccessTokenKeys,
      inject: [ConfigService],
      useFactory: (config: ConfigService<AllConfig, true>) =>
        AccessTokenKeys.fromConfig(config.get('jwt', { infer: true })),
    },
  ],
  exports: [AccessTokenKeys],
})
export class KeysModule {}
