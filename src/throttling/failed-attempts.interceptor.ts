import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, mergeMap, type Observable } from 'rxjs';
import { WrongCredentialsException } from '../common/errors/wrong-credentials.exception.js';
import {
  ATTEMPT_SUBJECT,
  FAILED_ATTEMPTS,
  type Attempt,
  type FailedAttempts,
  type SubjectOf,
} from './failed-attempts.js';

/**
 * Refuses (429 + Retry-After) an attempt at a credential once its account has too many recent failures from this
 * address, or from everywhere (unless it succeeded from this address before); counts it as a failure only when the
 * handler answers WrongCredentialsException.
 */
@Injectable()
export class FailedAttemptsInterceptor implements NestInterceptor {
  constructor(
    @Inject(FAILED_ATTEMPTS) private readonly attempts: FailedAttempts,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const subjectOf = this.reflector.get<SubjectOf>(ATTEMPT_SUBJECT, context.getHandler());
    const attempt: Attempt = { subject: subjectOf(request as unknown as Record<string, unknown>), address: request.ip };
    const reservation = await this.attempts.reserve(attempt);
    if (!reservation.allowed) {
      void http.getResponse<FastifyReply>().header('Retry-After', String(reservation.retryAfterSeconds));
      throw new ThrottlerException('Too many failed attempts; retry later');
    }
    return next.handle().pipe(
      mergeMap(async (answer: unknown) => {
        await this.settle(this.attempts.succeeded(attempt));
        return answer;
      }),
      catchError(async (error: unknown) => {
        if (!(error instanceof WrongCredentialsException)) await this.settle(this.attempts.release(attempt));
        throw error;
      }),
    );
  }

  /** A count not given back only over-counts one attempt: the answer the handler chose still goes out. */
  private async settle(update: Promise<void>): Promise<void> {
    await update.catch(() => undefined);
  }
}
