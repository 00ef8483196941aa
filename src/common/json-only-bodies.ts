import type { FastifyInstance } from 'fastify';

const FORM = 'application/x-www-form-urlencoded';

/**
 * Form bodies only where a standard says so (RFC 7009 revocation, RFC 7662 introspection, under `oauthRoutePrefix`);
 * every other route takes JSON alone (415 otherwise). An HTML form on another site can post a form body without a
 * CORS preflight, but never a JSON one: that is half of the cookie transport's CSRF defence.
 */
export function refuseFormBodiesOutside(fastify: FastifyInstance, oauthRoutePrefix: string): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const type = request.headers['content-type'];
    if (type?.toLowerCase().startsWith(FORM) && !request.routeOptions.url?.startsWith(oauthRoutePrefix)) {
      void reply.code(415).send({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: 'This route takes application/json bodies only',
      });
      return;
    }
    done();
  });
}
