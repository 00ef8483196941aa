import { isJsonContentType } from './request-kinds.js';

describe('isJsonContentType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'Application/JSON;charset=UTF-8',
    ' application/json ',
  ])('takes %p', (type) => {
    expect(isJsonContentType(type)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'application/jsonx',
    'application/json-seq',
    'application/merge-patch+json',
    'application/x-www-form-urlencoded; application/json',
    'multipart/form-data; boundary=application/json',
  ])('refuses %p', (type) => {
    expect(isJsonContentType(type)).toBe(false);
  });
});
