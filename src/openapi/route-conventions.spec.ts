import { maxHeaderSize } from 'node:http';
import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import {
  ApiUnauthorizedResponse,
  DocumentBuilder,
  SwaggerModule,
  type OpenAPIObject,
  type OperationObject,
} from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { IsString } from 'class-validator';
import { Roles } from '../auth/decorators/roles.decorator.js';
import { Public } from '../common/decorators/public.decorator.js';
import { ErrorResponse } from '../common/errors/error-response.dto.js';
import { apiRoutes, operationIdOf } from './api-routes.js';
import { applyRouteConventions } from './route-conventions.js';

class AttemptDto {
  @IsString()
  word: string;
}

class CountingGuard extends ThrottlerGuard {}

@Controller('things')
class ThingsController {
  @Public()
  @Get('open')
  open() {}

  @Get('closed')
  closed() {}

  @Roles('admin')
  @Get('admin')
  admin() {}

  @Public()
  @UseGuards(CountingGuard)
  @Post('attempt')
  attempt(@Body() _body: AttemptDto) {}

  @Get(':id')
  one(@Param('id', new ParseUUIDPipe()) _id: string, @Headers('user-agent') _userAgent?: string) {}

  @Public()
  @Post('client')
  client(@Headers('authorization') _authorization?: string) {}

  @Get('documented/by/hand')
  @ApiUnauthorizedResponse({ description: 'Own words' })
  documented() {}
}

@Public()
@Controller('open-house')
class OpenHouseController {
  @Get()
  list() {}
}

async function conventionalDocument(): Promise<OpenAPIObject> {
  const moduleRef = await Test.createTestingModule({
    imports: [ThrottlerModule.forRoot([{ ttl: 60_000, limit: 10 }])],
    controllers: [ThingsController, OpenHouseController],
  }).compile();
  const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
  try {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build(), {
      operationIdFactory: operationIdOf,
      extraModels: [ErrorResponse],
    });
    applyRouteConventions(document, apiRoutes(app), new Reflector(), { bodyLimitBytes: 1024 });
    return document;
  } finally {
    await app.close();
  }
}

describe('applyRouteConventions', () => {
  let document: OpenAPIObject;
  const operation = (method: 'get' | 'post', path: string): OperationObject => {
    const found = document.paths[path]?.[method];
    if (!found) throw new Error(`${method} ${path} is not documented`);
    return found;
  };
  const statuses = (method: 'get' | 'post', path: string) => Object.keys(operation(method, path).responses);

  beforeAll(async () => {
    document = await conventionalDocument();
  });

  it('asks for a bearer token on every route not marked @Public(), with 401 and 503', () => {
    expect(operation('get', '/things/closed').security).toEqual([{ bearer: [] }]);
    expect(statuses('get', '/things/closed')).toEqual(['200', '401', '503']);
    expect(operation('get', '/things/closed').responses[401]).toEqual({
      description: 'The bearer token is missing, invalid, expired or revoked',
      headers: { 'WWW-Authenticate': expect.objectContaining({ schema: { type: 'string' } }) },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
    });
  });

  it('says routes public on the handler or the whole controller need nothing, without a store fault', () => {
    for (const path of ['/things/open', '/open-house']) {
      expect(operation('get', path).security).toEqual([]);
      expect(statuses('get', path)).toEqual(['200']);
    }
  });

  it('adds 403 naming the roles @Roles() requires', () => {
    expect(operation('get', '/things/admin').responses[403]).toMatchObject({
      description: 'The token carries none of these roles: admin',
    });
  });

  it('documents the throttler, the validated body, its size and media type, and its unknown-field refusal', () => {
    expect(statuses('post', '/things/attempt')).toEqual(['201', '400', '413', '415', '429', '503']);
    expect(operation('post', '/things/attempt').responses[413]).toMatchObject({
      description: 'The body is larger than 1024 bytes',
    });
    expect(operation('post', '/things/attempt').responses[429]).toMatchObject({
      headers: { 'Retry-After': expect.any(Object) },
    });
    expect(document.components?.schemas?.AttemptDto).toMatchObject({ additionalProperties: false });
  });

  it('marks a ParseUUIDPipe parameter as a UUID and an unchecked header as optional, as long as Node allows', () => {
    expect(operation('get', '/things/{id}').parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          in: 'path',
          name: 'id',
          required: true,
          schema: { type: 'string', format: 'uuid', maxLength: 36 },
        }),
        expect.objectContaining({
          in: 'header',
          name: 'user-agent',
          required: false,
          schema: { type: 'string', maxLength: maxHeaderSize },
        }),
      ]),
    );
    expect(statuses('get', '/things/{id}')).toContain('400');
  });

  it('leaves the Authorization header to the security requirement, and a route without a body without 413', () => {
    expect(operation('post', '/things/client').parameters).toEqual([]);
    expect(statuses('post', '/things/client')).toEqual(['201']);
  });

  it('keeps a status the route documents itself', () => {
    expect(operation('get', '/things/documented/by/hand').responses[401]).toMatchObject({ description: 'Own words' });
  });

  it('gives a success documented without words its reason phrase', () => {
    expect(operation('get', '/things/open').responses[200]).toMatchObject({ description: 'OK' });
  });
});
