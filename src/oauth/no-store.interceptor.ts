import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Observable } from 'rxjs';

/**
 * Token information must not be cached (RFC 6749 §5.1, RFC 7662 §4). Set before the handler runs, so error
 * responses, those of the global filter included, carry the headers too.
 */
@Injectable()
export class NoStoreInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header('Cache-Control', 'no-store')
      .header('Pragma', 'no-cache');
    return next.handle();
  }
}
