import 'reflect-metadata';
import formbody from '@fastify/formbody';
import { HttpException, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { fastify } from 'fastify';
import { VALIDATION_OPTIONS } from '../common/pipes/validation-options.js';
import { TokenRequestDto } from './dto/token-request.dto.js';
import { OAuthController } from './oauth.controller.js';
import { TokenRequestPipe } from './token-request.pipe.js';

// How Nest calls the pipes of `@Body() body: TokenRequest`: an interface's metatype is Object.
const AS_INTERFACE: ArgumentMetadata = { type: 'body', metatype: Object, data: undefined };
const AS_DTO: ArgumentMetadata = { type: 'body', metatype: TokenRequestDto, data: undefined };

/** `form` as the API's form parser hands it to the pipes: @fastify/formbody, in Fastify. */
async function formParsed(form: string): Promise<unknown> {
  const app = fastify();
  await app.register(formbody);
  let body: unknown;
  app.post('/', (request, reply) => {
    body = request.body;
    return reply.send();
  });
  const contentType = 'application/x-www-form-urlencoded';
  await app.inject({ method: 'POST', url: '/', payload: form, headers: { 'content-type': contentType } });
  await app.close();
  return body;
}

type Outcome = { fields: Record<string, unknown> } | { status: number; response: unknown };

/** The fields a result carries (an instance's unset ones left out), or the status and body of the error thrown. */
async function outcomeOf(run: () => unknown): Promise<Outcome> {
  try {
    const result = (await run()) as Record<string, unknown>;
    return { fields: Object.fromEntries(Object.entries(result).filter(([, value]) => value !== undefined)) };
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return { status: error.getStatus(), response: error.getResponse() };
  }
}

// Each body as JSON, so that every pipe gets a fresh copy (ValidationPipe strips prototype keys in place) and
// `__proto__` is an own key, as the JSON parser would build it.
const long = (length: number) => 'x'.repeat(length);
const VALID: Record<string, string> = {
  'a token alone': JSON.stringify({ token: 'abc' }),
  'every parameter': JSON.stringify({
    token: 'abc',
    token_type_hint: 'refresh_token',
    client_id: 'c',
    client_secret: 's',
  }),
  'every field at its limit': JSON.stringify({
    token: long(8192),
    token_type_hint: long(64),
    client_id: long(256),
    client_secret: long(256),
  }),
  'empty optional fields': JSON.stringify({ token: 'abc', token_type_hint: '', client_id: '', client_secret: '' }),
  'an unknown hint': JSON.stringify({ token: 'abc', token_type_hint: 'id_token' }),
  'a token of surrogate pairs, longer in UTF-16 units than its limit': JSON.stringify({ token: '😀'.repeat(4097) }),
};
const INVALID: Record<string, string> = {
  'no body': 'null',
  'an empty object': '{}',
  'a string': '"abc"',
  'a number': '42',
  'an array': '[{"token":"abc"}]',
  'an empty token': JSON.stringify({ token: '' }),
  'a numeric token': JSON.stringify({ token: 42 }),
  'a boolean token': JSON.stringify({ token: true }),
  'a null token': JSON.stringify({ token: null }),
  'a token array (a repeated form field)': JSON.stringify({ token: ['a', 'b'] }),
  'a nested token': JSON.stringify({ token: { value: 'abc' } }),
  'a numeric client id': JSON.stringify({ token: 'abc', client_id: 7 }),
  'an object secret': JSON.stringify({ token: 'abc', client_secret: { a: 1 } }),
  'an unknown field': JSON.stringify({ token: 'abc', scope: 'read' }),
  'unknown fields only': JSON.stringify({ scope: 'read', grant_type: 'x' }),
  'a token over its limit': JSON.stringify({ token: long(8193) }),
  'a hint over its limit': JSON.stringify({ token: 'abc', token_type_hint: long(65) }),
  'a client id over its limit': JSON.stringify({ token: 'abc', client_id: long(257) }),
  'a client secret over its limit': JSON.stringify({ token: 'abc', client_secret: long(257) }),
  'several faults at once': JSON.stringify({ token: '', client_id: 3, extra: 'x' }),
};
// Prototype keys, which ValidationPipe strips, and a null optional field, which @IsOptional lets through: the pipe
// must answer as the ValidationPipe does, whatever that is.
const EDGE_CASES: Record<string, string> = {
  'a null hint': JSON.stringify({ token: 'abc', token_type_hint: null }),
  '__proto__ beside a token': '{"token":"abc","__proto__":{"polluted":true}}',
  '__proto__ alone': '{"__proto__":{"token":"abc"}}',
  'constructor beside a token': '{"token":"abc","constructor":{"prototype":{"polluted":true}}}',
  'a string constructor': '{"token":"abc","constructor":"x"}',
  'prototype beside a token': '{"token":"abc","prototype":"x"}',
};

describe('TokenRequestPipe', () => {
  const pipe = new TokenRequestPipe();
  const reference = new ValidationPipe({ ...VALIDATION_OPTIONS });

  const sameAsValidationPipe = async (json: string) => {
    const answer = await outcomeOf(() => pipe.transform(JSON.parse(json), AS_INTERFACE));
    const expected = await outcomeOf(() => reference.transform(JSON.parse(json), AS_DTO));
    expect(answer).toEqual(expected);
    return answer;
  };

  it.each(Object.entries(VALID))('accepts %s as the ValidationPipe does', async (_, json) => {
    expect(await sameAsValidationPipe(json)).toEqual({ fields: JSON.parse(json) });
  });

  it.each(Object.entries(INVALID))('refuses %s with the ValidationPipe’s 400', async (_, json) => {
    expect(await sameAsValidationPipe(json)).toMatchObject({ status: 400 });
  });

  it.each(Object.entries(EDGE_CASES))('answers %s as the ValidationPipe does', async (_, json) => {
    await sameAsValidationPipe(json);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers a body of no prototype as the ValidationPipe does', async () => {
    const body = () => Object.assign(Object.create(null) as object, { token: 'abc', client_id: 'c' });
    expect(await outcomeOf(() => pipe.transform(body(), AS_INTERFACE))).toEqual(
      await outcomeOf(() => reference.transform(body(), AS_DTO)),
    );
  });

  it('returns a form body as it is, as @fastify/formbody parses it, and answers it as the ValidationPipe does', async () => {
    const form = 'token=abc&token_type_hint=access_token&client_id=c';
    const parsed = await formParsed(form);
    expect(pipe.transform(parsed, AS_INTERFACE)).toBe(parsed);
    expect(await outcomeOf(() => pipe.transform(parsed, AS_INTERFACE))).toEqual(
      await outcomeOf(async () => reference.transform(await formParsed(form), AS_DTO)),
    );
  });

  it('returns a plainly valid body as it is, without class-transformer', () => {
    const body = { token: 'abc', token_type_hint: 'access_token' };
    expect(pipe.transform(body, AS_INTERFACE)).toBe(body);
  });

  it('is not undone by the global ValidationPipe, which passes an interface-typed body by', async () => {
    const [bodyType] = Reflect.getMetadata('design:paramtypes', OAuthController.prototype, 'introspect') as unknown[];
    expect(bodyType).toBe(Object);
    const body = { token: 'abc', scope: 'unchecked here' };
    await expect(reference.transform(body, AS_INTERFACE)).resolves.toBe(body);
  });
});
