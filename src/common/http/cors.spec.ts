import { Controller, Delete, Get, Module, Patch, Post, Put } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { routeMethods } from './cors.js';

@Controller('things')
class ThingsController {
  @Get()
  list() {}

  @Post()
  add() {}

  @Delete(':id')
  remove() {}
}

@Controller('others')
class OthersController {
  @Put(':id')
  replace() {}

  @Patch(':id')
  change() {}
}

@Module({ controllers: [ThingsController, OthersController] })
class ThingsModule {}

describe('routeMethods', () => {
  it('lists every method the routes declare, once each, and HEAD with GET', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [ThingsModule] }).compile();
    const app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    try {
      expect(routeMethods(app)).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
    } finally {
      await app.close();
    }
  });
});
