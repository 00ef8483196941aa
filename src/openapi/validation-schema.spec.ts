import { FastifyAdapter } from '@nestjs/platform-fastify';
import { ApiProperty, DocumentBuilder, SwaggerModule, type SchemaObject } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  NotContains,
} from 'class-validator';
import { documentValidationRules } from './validation-schema.js';

class SignUp {
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email: string;

  @ApiProperty({ description: 'Kept from @ApiProperty', example: 'correct horse', minLength: 1 })
  @IsString()
  @MinLength(8)
  @MaxLength(128)
  password: string;

  @IsOptional()
  @IsUUID()
  invitedBy?: string;
}

class Page {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(500)
  limit: number = 50;

  @IsOptional()
  @Matches(/^\d+-\d+$/)
  before?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number;
}

class Roles {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(2)
  @ArrayUnique()
  @IsIn(['user', 'admin'], { each: true })
  roles: string[];
}

class Tags {
  @IsString({ each: true })
  @MaxLength(20, { each: true })
  tags: string[];
}

class Nickname {
  @IsString()
  @NotContains('admin')
  nickname: string;
}

const DTOS = [SignUp, Page, Roles, Tags, Nickname];

/** The component schemas SwaggerModule builds for the DTOs, after their rules were documented. */
async function schemasOfDtos(): Promise<Record<string, SchemaObject>> {
  for (const dto of DTOS) documentValidationRules(dto);
  const moduleRef = await Test.createTestingModule({}).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  try {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build(), { extraModels: DTOS });
    return document.components?.schemas as Record<string, SchemaObject>;
  } finally {
    await app.close();
  }
}

describe('documentValidationRules', () => {
  let schemas: Record<string, SchemaObject>;

  beforeAll(async () => {
    schemas = await schemasOfDtos();
  });

  it('states the length limits, format and requiredness the validators enforce', () => {
    expect(schemas.SignUp.properties?.email).toEqual({ type: 'string', format: 'email', maxLength: 254 });
    expect(schemas.SignUp.properties?.invitedBy).toEqual({ type: 'string', format: 'uuid' });
    expect(schemas.SignUp.required?.toSorted()).toEqual(['email', 'password']);
  });

  it('keeps what @ApiProperty says, but takes the constraints from the validators', () => {
    expect(schemas.SignUp.properties?.password).toEqual({
      type: 'string',
      description: 'Kept from @ApiProperty',
      example: 'correct horse',
      minLength: 8,
      maxLength: 128,
    });
  });

  it('reads integer bounds, patterns and the default a field initialiser sets', () => {
    expect(schemas.Page.properties).toEqual({
      limit: { type: 'integer', format: 'int32', minimum: 1, maximum: 500, default: 50 },
      before: { type: 'string', pattern: '^\\d+-\\d+$' },
      offset: { type: 'integer', format: 'int64', minimum: 0 },
    });
    expect(schemas.Page.required).toBeUndefined();
  });

  it('describes `each` rules as the items of an array', () => {
    expect(schemas.Roles.properties?.roles).toEqual({
      type: 'array',
      items: { type: 'string', enum: ['user', 'admin'] },
      minItems: 1,
      maxItems: 2,
      uniqueItems: true,
    });
  });

  it('states no limit of an item on the array itself', () => {
    expect(schemas.Tags.properties?.tags).toEqual({ type: 'array', items: { type: 'string' } });
  });

  it('adds nothing for a validator it has no OpenAPI word for', () => {
    expect(schemas.Nickname.properties?.nickname).toEqual({ type: 'string' });
  });

  it('documents the same thing however often it runs', async () => {
    expect(await schemasOfDtos()).toEqual(schemas);
  });
});
