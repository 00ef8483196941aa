import { Module } from '@nestjs/common';
import { storeAdapterProvider } from '../redis/optional-redis.provider.js';
import { InMemoryUsersRepository } from './in-memory-users.repository.js';
import { RedisUsersRepository } from './redis-users.repository.js';
import { UsersRepository } from './users-repository.js';
import { UsersService } from './users.service.js';

@Module({
  providers: [
    UsersService,
    storeAdapterProvider<UsersRepository>(UsersRepository, {
      redis: (redis, keys) => new RedisUsersRepository(redis, keys),
      memory: () => new InMemoryUsersRepository(),
    }),
  ],
  exports: [UsersService],
})
export class UsersModule {}
