import { applyDecorators, SetMetadata, UseGuards, UseInterceptors } from '@nestjs/common';
import { AuthThrottlerGuard } from './auth-throttler.guard.js';
import { ATTEMPT_SUBJECT, type SubjectOf } from './failed-attempts.js';
import { FailedAttemptsInterceptor } from './failed-attempts.interceptor.js';

/**
 * A route that checks a password: the per-address limit on every request (AuthThrottlerGuard), and the limits on
 * failed attempts per account (FailedAttemptsInterceptor), the account named by `subjectOf`.
 */
export function LimitFailedAttempts(subjectOf: SubjectOf): MethodDecorator {
  return applyDecorators(
    UseGuards(AuthThrottlerGuard),
    SetMetadata(ATTEMPT_SUBJECT, subjectOf),
    UseInterceptors(FailedAttemptsInterceptor),
  );
}
