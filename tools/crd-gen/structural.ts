/**
 * Two checks on CRD schemas, used by the generator (it refuses to write a schema that is not
 * structural) and by its spec:
 *
 * - structuralProblems: is the schema "structural" in the Kubernetes sense (every node typed,
 *   except int-or-string and preserve-unknown-fields nodes; arrays have one item schema; objects
 *   declare their fields; no keywords the API server would refuse)?
 * - valueProblems: does an object validate against the schema the way the API server checks it
 *   with strict field validation (types, enums, required fields, int-or-string, unknown fields,
 *   nulls pruned unless nullable)? Formats, ranges other than integer bounds, and CEL rules are
 *   not checked.
 */
import type { SchemaNode } from './openapi.ts';

const SCHEMA_KEYWORDS = new Set([
  'type',
  'format',
  'description',
  'enum',
  'nullable',
  'minimum',
  'maximum',
  'properties',
  'additionalProperties',
  'items',
  'required',
  'anyOf',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
]);
const TYPES = new Set(['string', 'integer', 'number', 'boolean', 'object', 'array']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems that make `schema` non-structural, each with the path of the node (empty when fine). */
export function structuralProblems(schema: unknown, path = 'openAPIV3Schema'): string[] {
  const problems: string[] = [];
  checkNode(schema, path, problems, true);
  return problems;
}

function checkNode(node: unknown, path: string, problems: string[], root = false): void {
  const problem = (message: string) => problems.push(`${path}: ${message}`);
  if (!isRecord(node)) return void problem('a schema node must be an object');
  for (const key of Object.keys(node)) if (!SCHEMA_KEYWORDS.has(key)) problem(`unsupported keyword "${key}"`);

  const intOrString = node['x-kubernetes-int-or-string'];
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  if (intOrString !== undefined && intOrString !== true) problem('x-kubernetes-int-or-string must be true');
  if (preserve !== undefined && preserve !== true) problem('x-kubernetes-preserve-unknown-fields must be true');
  if (node.nullable !== undefined && typeof node.nullable !== 'boolean') problem('nullable must be a boolean');

  if (intOrString === true) {
    if (node.type !== undefined) problem('an int-or-string node must not have a type');
    const branches = node.anyOf;
    const expected = JSON.stringify([{ type: 'integer' }, { type: 'string' }]);
    if (branches !== undefined && JSON.stringify(branches) !== expected) {
      problem('anyOf beside x-kubernetes-int-or-string may only be [{type: integer}, {type: string}]');
    }
    for (const key of ['properties', 'additionalProperties', 'items', 'enum']) {
      if (node[key] !== undefined) problem(`an int-or-string node must not have ${key}`);
    }
    return;
  }
  if (node.anyOf !== undefined) problem('anyOf is only used beside x-kubernetes-int-or-string here');
  if (typeof node.type !== 'string' || !TYPES.has(node.type)) {
    return void problem(`every node needs a type (got ${JSON.stringify(node.type)})`);
  }
  if (root && node.type !== 'object') problem('the root must be an object');
  if (preserve === true && node.type !== 'object') problem('x-kubernetes-preserve-unknown-fields only on objects');

  if (node.enum !== undefined) {
    if (node.type !== 'string' || !Array.isArray(node.enum) || node.enum.some((v) => typeof v !== 'string')) {
      problem('enum is only used for strings, with string values');
    }
  }
  if (node.type !== 'object') {
    for (const key of ['properties', 'additionalProperties', 'required']) {
      if (node[key] !== undefined) problem(`${key} on a node of type ${node.type}`);
    }
  }
  if (node.type !== 'array' && node.items !== undefined) problem(`items on a node of type ${node.type}`);

  if (node.type === 'array') {
    if (!isRecord(node.items)) return void problem('an array needs one items schema');
    checkNode(node.items, `${path}.items`, problems);
  }
  if (node.type === 'object') {
    const { properties, additionalProperties, required } = node;
    if (properties !== undefined && additionalProperties !== undefined) {
      problem('properties and additionalProperties are mutually exclusive');
    }
    if (properties === undefined && additionalProperties === undefined && preserve !== true) {
      problem('an object must declare properties, additionalProperties or preserve unknown fields');
    }
    if (properties !== undefined) {
      if (!isRecord(properties)) return void problem('properties must be a map');
      if (root && 'metadata' in properties) problem('the schema of metadata belongs to the API server');
      for (const [name, child] of Object.entries(properties)) checkNode(child, `${path}.properties.${name}`, problems);
      if (required !== undefined) {
        if (!Array.isArray(required)) problem('required must be a list');
        else
          for (const name of required) if (!(name in properties)) problem(`required field "${name}" is not a property`);
      }
    } else if (required !== undefined) {
      problem('required without properties');
    }
    if (additionalProperties !== undefined) checkNode(additionalProperties, `${path}.additionalProperties`, problems);
  }
}

/** The envelope fields every object has; the API server validates them itself. */
const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

/** Why the API server would refuse `value` under `schema`, each with the field path (empty when accepted). */
export function valueProblems(value: unknown, schema: SchemaNode, path = ''): string[] {
  const problems: string[] = [];
  checkValue(value, schema, path, problems, true);
  return problems;
}

function checkValue(value: unknown, schema: SchemaNode, path: string, problems: string[], root = false): void {
  const where = path === '' ? '<root>' : path;
  const problem = (message: string) => problems.push(`${where}: ${message}`);
  // The API server prunes nulls of non-nullable fields before validating (so a required field
  // set to null counts as missing, see below); nullable fields keep them.
  if (value === null) return;
  if (schema['x-kubernetes-int-or-string']) {
    if (!(typeof value === 'string' || Number.isInteger(value))) problem(`must be an integer or a string`);
    return;
  }
  switch (schema.type) {
    case 'string':
      if (typeof value !== 'string') return void problem(`must be a string (got ${describe(value)})`);
      if (schema.enum && !schema.enum.includes(value)) {
        problem(`unsupported value "${value}": supported values are ${schema.enum.map((v) => `"${v}"`).join(', ')}`);
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        return void problem(`must be an integer (got ${describe(value)})`);
      }
      if (schema.minimum !== undefined && value < schema.minimum) problem(`must be at least ${schema.minimum}`);
      if (schema.maximum !== undefined && value > schema.maximum) problem(`must be at most ${schema.maximum}`);
      return;
    case 'number':
      if (typeof value !== 'number') problem(`must be a number (got ${describe(value)})`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problem(`must be a boolean (got ${describe(value)})`);
      return;
    case 'array':
      if (!Array.isArray(value)) return void problem(`must be a list (got ${describe(value)})`);
      value.forEach((item, index) => checkValue(item, schema.items!, `${path}[${index}]`, problems));
      return;
    case 'object': {
      if (!isRecord(value)) return void problem(`must be an object (got ${describe(value)})`);
      for (const name of schema.required ?? []) {
        const pruned = value[name] === null && !schema.properties?.[name]?.nullable;
        if (value[name] === undefined || pruned) problems.push(`${join(path, name)}: required field is missing`);
      }
      for (const [name, child] of Object.entries(value)) {
        if (root && ROOT_FIELDS.has(name)) continue;
        const childSchema = schema.properties?.[name] ?? schema.additionalProperties;
        if (childSchema) checkValue(child, childSchema, join(path, name), problems);
        else if (!schema['x-kubernetes-preserve-unknown-fields']) problems.push(`${join(path, name)}: unknown field`);
      }
      return;
    }
    default:
      problem(`schema node without a type`);
  }
}

function join(path: string, name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? (path ? `${path}.${name}` : name) : `${path}[${JSON.stringify(name)}]`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
