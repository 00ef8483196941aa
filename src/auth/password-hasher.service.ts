import { randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import argon2 from 'argon2';
import pLimit, { type LimitFunction } from 'p-limit';
import type { AllConfig } from '../config/config.types.js';

/**
 * argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane). The native binding hashes on libuv's
 * thread pool, off the event loop; and at most PASSWORD_HASH_CONCURRENCY hashes run at once (default: one core
 * fewer than the machine has), so a burst of logins queues instead of taking every core from token checks.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly limit: LimitFunction;

  constructor(config: ConfigService<AllConfig, true>) {
    this.limit = pLimit(config.get('app.passwordHashConcurrency', { infer: true }));
  }

  // Verified against when an email is unknown, so a login costs the same time whether or not the account exists.
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomBytes(32).toString('base64'));
  }

  hash(password: string): Promise<string> {
    return this.limit(() => argon2.hash(password, ARGON2_OPTIONS));
  }

  /** Verifies `password` against `hash`, or spends the same time against a dummy hash when there is none. */
  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const against = hash ?? this.dummyHash;
    const matches = await this.limit(() => argon2.verify(against, password));
    return hash !== undefined && matches;
  }
}
