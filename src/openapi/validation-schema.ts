import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import {
  ARRAY_MAX_SIZE,
  ARRAY_MIN_SIZE,
  ARRAY_UNIQUE,
  getMetadataStorage,
  IS_ARRAY,
  IS_BOOLEAN,
  IS_EMAIL,
  IS_IN,
  IS_INT,
  IS_NUMBER,
  IS_OPTIONAL,
  IS_STRING,
  IS_UUID,
  MATCHES,
  MAX,
  MAX_LENGTH,
  MIN,
  MIN_LENGTH,
  type MetadataStorage,
} from 'class-validator';

type ValidationRule = Pick<
  ReturnType<MetadataStorage['getTargetValidationMetadatas']>[number],
  'name' | 'constraints' | 'each' | 'propertyName'
>;
type Keywords = Record<string, unknown>;

// What each class-validator rule means in OpenAPI terms. A rule missing here adds nothing: the spec may then say less
// than the validator checks, never something it does not.
const KEYWORDS_OF_RULE: Record<string, (constraints: unknown[]) => Keywords> = {
  [IS_STRING]: () => ({ type: 'string' }),
  [IS_INT]: () => ({ type: 'integer' }),
  [IS_NUMBER]: () => ({ type: 'number' }),
  [IS_BOOLEAN]: () => ({ type: 'boolean' }),
  [IS_EMAIL]: () => ({ format: 'email' }),
  [IS_UUID]: () => ({ format: 'uuid' }),
  [MIN_LENGTH]: ([min]) => ({ minLength: min }),
  [MAX_LENGTH]: ([max]) => ({ maxLength: max }),
  [MIN]: ([min]) => ({ minimum: min }),
  [MAX]: ([max]) => ({ maximum: max }),
  [MATCHES]: ([pattern]) => ({ pattern: pattern instanceof RegExp ? pattern.source : pattern }),
  [IS_IN]: ([values]) => ({ enum: values }),
  [IS_ARRAY]: () => ({ isArray: true }),
  [ARRAY_MIN_SIZE]: ([min]) => ({ minItems: min }),
  [ARRAY_MAX_SIZE]: ([max]) => ({ maxItems: max }),
  [ARRAY_UNIQUE]: () => ({ uniqueItems: true }),
};
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
// What @ApiProperty moves into `items` when the property is an array; an `each` rule's other keywords are dropped.
const ITEM_KEYWORDS = ['type', 'enum'];

/**
 * The OpenAPI description of one property, read from its class-validator rules: the rules the ValidationPipe
 * enforces are the ones the spec states. Rules with `each` describe the items, which makes the property an array.
 */
function propertyOptionsOf(rules: ValidationRule[], defaultValue?: unknown): ApiPropertyOptions {
  const keywords: Keywords = { required: !rules.some((rule) => rule.name === IS_OPTIONAL) };
  for (const rule of rules) {
    const keywordsOf = rule.name === undefined ? undefined : KEYWORDS_OF_RULE[rule.name];
    if (!keywordsOf) continue;
    const ruleKeywords = keywordsOf(rule.constraints ?? []);
    Object.assign(keywords, rule.each ? { ...itemKeywordsOf(ruleKeywords), isArray: true } : ruleKeywords);
  }
  if (keywords.type === 'integer') keywords.format = integerFormatOf(keywords);
  if (defaultValue !== undefined) keywords.default = defaultValue;
  return keywords;
}

// @IsInt() takes any safe integer; bounds inside 32 bits make it an int32.
function integerFormatOf({ minimum, maximum }: Keywords): 'int32' | 'int64' {
  const bounded = typeof minimum === 'number' && typeof maximum === 'number';
  return bounded && minimum >= INT32.min && maximum <= INT32.max ? 'int32' : 'int64';
}

/**
 * Writes the validation rules of a DTO class into its OpenAPI metadata, as the Nest CLI plugin would at compile
 * time (unused here: the tests compile with SWC, so they would document a different API than the build). What
 * `@ApiProperty()` says about a property stays (descriptions, examples); the constraints come from the validators.
 * Defaults are read from a fresh instance, where the DTO's field initialisers put them. Safe to repeat.
 */
export function documentValidationRules(dto: new () => object): void {
  const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false);
  if (rules.length === 0) return;
  const defaults = new dto() as Record<string, unknown>;
  for (const [property, propertyRules] of groupByProperty(rules)) {
    ApiProperty(propertyOptionsOf(propertyRules, defaults[property]))(dto.prototype as object, property);
  }
}

function itemKeywordsOf(keywords: Keywords): Keywords {
  return Object.fromEntries(Object.entries(keywords).filter(([keyword]) => ITEM_KEYWORDS.includes(keyword)));
}

function groupByProperty(rules: ValidationRule[]): Map<string, ValidationRule[]> {
  const groups = new Map<string, ValidationRule[]>();
  for (const rule of rules) groups.set(rule.propertyName, [...(groups.get(rule.propertyName) ?? []), rule]);
  return groups;
}
