import { Module } from '@nestjs/common';
import { KeysModule } from '../auth/keys/keys.module.js';
import { JwksController } from './jwks.controller.js';

@Module({
  imports: [KeysModule],
  controllers: [JwksController],
})
export class JwksModule {}
