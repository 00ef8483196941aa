import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonWebKeySet, PublishedJwk } from '../../auth/keys/access-token-keys.js';

/** One public key (RFC 7517): only public members, never `d`, `p`, `q`, `dp`, `dq` or `qi`. */
export class JsonWebKeyDto implements PublishedJwk {
  @ApiProperty({ enum: ['RSA', 'EC', 'OKP'], description: 'Key type' })
  kty!: PublishedJwk['kty'];

  @ApiProperty({ description: 'Key id: the RFC 7638 JWK thumbprint (SHA-256), as in the token header' })
  kid!: string;

  @ApiProperty({ enum: ['sig'] })
  use!: 'sig';

  @ApiProperty({ enum: ['RS256', 'ES256', 'EdDSA'] })
  alg!: PublishedJwk['alg'];

  @ApiPropertyOptional({ description: 'RSA modulus (base64url)' })
  n?: string;

  @ApiPropertyOptional({ description: 'RSA public exponent (base64url)' })
  e?: string;

  @ApiPropertyOptional({ enum: ['P-256', 'Ed25519'], description: 'Curve (EC, OKP)' })
  crv?: string;

  @ApiPropertyOptional({ description: 'Public x coordinate (EC) or public key (OKP), base64url' })
  x?: string;

  @ApiPropertyOptional({ description: 'Public y coordinate (EC), base64url' })
  y?: string;
}

export class JsonWebKeySetDto implements JsonWebKeySet {
  @ApiProperty({ type: [JsonWebKeyDto] })
  keys!: JsonWebKeyDto[];
}
