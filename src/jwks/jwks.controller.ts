import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessTokenKeys, type JsonWebKeySet } from '../auth/keys/access-token-keys.js';
import { Public } from '../common/decorators/public.decorator.js';
import { JsonWebKeySetDto } from './dto/json-web-key-set.dto.js';

/** Where app.setup.ts keeps this route out of API_PREFIX: a well-known URI lives at the root (RFC 8615). */
export const JWKS_PATH = '.well-known/jwks.json';

@ApiTags('keys')
@Public()
@Controller()
export class JwksController {
  constructor(private readonly keys: AccessTokenKeys) {}

  @Get(JWKS_PATH)
  // Long enough to spare the app, short next to the rotation overlap (publish a key at least this long before use).
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({
    summary: 'The public keys that verify access tokens (JWKS, RFC 7517)',
    description:
      'Every key whose tokens are accepted, the signing key first, each under the `kid` its tokens carry. Empty with HS256: the HMAC secret is never published.',
  })
  @ApiOkResponse({ type: JsonWebKeySetDto })
  jwks(): JsonWebKeySet {
    return this.keys.jwks;
  }
}
