import { Module } from '@nestjs/common';
import { Database } from '../database/database.js';
import { PostgresUsersRepository } from './postgres-users.repository.js';
import { UsersRepository } from './users-repository.js';
import { UsersService } from './users.service.js';

@Module({
  providers: [
    UsersService,
    { provide: UsersRepository, inject: [Database], useFactory: (db: Database) => new PostgresUsersRepository(db) },
  ],
  exports: [UsersService],
})
export class UsersModule {}
