import type { OpenAPIObject, OperationObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';

/** What the checks need of an answer; a supertest Response has it. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: unknown;
}

const FORMATS: Record<string, RegExp> = {
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  email: /^[^@\s]+@[^@\s]+$/,
};

/**
 * Checks real answers against the app's own spec: the status must be documented for the operation, and the body
 * must have the documented shape. Stricter than JSON Schema on purpose: a property the schema does not name is a
 * problem (unless `additionalProperties` allows it), so the spec has to list everything the API sends.
 */
export class SpecConformance {
  constructor(private readonly spec: OpenAPIObject) {}

  operation(method: HttpMethod, path: string): OperationObject {
    const operation = this.spec.paths[path]?.[method];
    if (!operation) throw new Error(`The spec has no ${method.toUpperCase()} ${path}`);
    return operation;
  }

  /** Every way the answer differs from the spec; empty when it conforms. */
  problemsOf(method: HttpMethod, path: string, answer: Answer): string[] {
    const where = `${method.toUpperCase()} ${path} → ${answer.status}`;
    const response = this.operation(method, path).responses[answer.status];
    if (!response) return [`${where}: status not documented`];
    const json = 'content' in response ? response.content?.['application/json']?.schema : undefined;
    if (!json) return answer.text === '' ? [] : [`${where}: documented without a body, but sent ${answer.text}`];
    if (!String(answer.headers['content-type']).startsWith('application/json')) {
      return [`${where}: content-type ${String(answer.headers['content-type'])}, documented application/json`];
    }
    return this.problemsOfValue(answer.body, json, where);
  }

  private problemsOfValue(value: unknown, schemaOrRef: SchemaObject | ReferenceObject, at: string): string[] {
    const schema = this.resolve(schemaOrRef);
    if (schema.oneOf) {
      const matches = schema.oneOf.filter((option) => this.problemsOfValue(value, option, at).length === 0).length;
      return matches === 1 ? [] : [`${at}: ${JSON.stringify(value)} matches ${matches} of the oneOf schemas`];
    }
    if (value === null) return schema.nullable ? [] : [`${at}: null, documented not nullable`];
    if (schema.enum && !schema.enum.includes(value)) return [`${at}: ${JSON.stringify(value)} is not in the enum`];
    switch (schema.type) {
      case 'object':
        return this.problemsOfObject(value, schema, at);
      case 'array':
        return Array.isArray(value)
          ? value.flatMap((item, index) =>
              schema.items ? this.problemsOfValue(item, schema.items, `${at}[${index}]`) : [],
            )
          : [`${at}: not an array`];
      case 'integer':
        return Number.isInteger(value) ? [] : [`${at}: ${JSON.stringify(value)} is not an integer`];
      case 'number':
      case 'boolean':
        return typeof value === schema.type ? [] : [`${at}: ${JSON.stringify(value)} is not a ${schema.type}`];
      case 'string':
        return this.problemsOfString(value, schema, at);
      default:
        return [];
    }
  }

  private problemsOfObject(value: unknown, schema: SchemaObject, at: string): string[] {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: not an object`];
    const record = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    const missing = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${at}.${key}: missing`);
    const checked = Object.entries(record).flatMap(([key, item]) => {
      if (key in properties) return this.problemsOfValue(item, properties[key], `${at}.${key}`);
      const extra = schema.additionalProperties;
      if (typeof extra === 'object') return this.problemsOfValue(item, extra, `${at}.${key}`);
      return extra === true ? [] : [`${at}.${key}: not documented`];
    });
    return [...missing, ...checked];
  }

  private problemsOfString(value: unknown, schema: SchemaObject, at: string): string[] {
    if (typeof value !== 'string') return [`${at}: ${JSON.stringify(value)} is not a string`];
    const format = schema.format === undefined ? undefined : FORMATS[schema.format];
    return format && !format.test(value) ? [`${at}: "${value}" is not a ${schema.format}`] : [];
  }

  private resolve(schema: SchemaObject | ReferenceObject): SchemaObject {
    if (!('$ref' in schema)) return schema;
    const resolved = this.spec.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
    if (!resolved) throw new Error(`Unresolvable ${schema.$ref}`);
    return this.resolve(resolved);
  }
}
