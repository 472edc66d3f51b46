/**
 * The subset of OpenAPI v3 that structural CRD schemas use, and small builders that keep the API
 * descriptions in istio-api.ts short. Every builder returns a fresh node: the YAML writer must
 * never see the same object twice (it would emit anchors and aliases).
 */

export type SchemaType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array';

export interface SchemaNode {
  type?: SchemaType;
  format?: string;
  description?: string;
  enum?: string[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode;
  items?: SchemaNode;
  required?: string[];
  /** Only `{ type }` branches, as structural schemas allow beside x-kubernetes-int-or-string. */
  anyOf?: SchemaNode[];
  'x-kubernetes-int-or-string'?: true;
  'x-kubernetes-preserve-unknown-fields'?: true;
}

/** A lazily built node, so every use site gets its own copy. */
export type Build = () => SchemaNode;

export const string: Build = () => ({ type: 'string' });
export const boolean: Build = () => ({ type: 'boolean' });
export const int32: Build = () => ({ type: 'integer', format: 'int32' });
export const uint32: Build = () => ({ type: 'integer', minimum: 0, maximum: 4294967295 });
export const double: Build = () => ({ type: 'number', format: 'double' });
/** google.protobuf.Duration is written as a string such as "10s" or "1.5s". */
export const duration: Build = () => ({ type: 'string' });
/**
 * Bytes are base64 strings in JSON. (No `format: binary`: the API server does not know that
 * format and warns about it on every apply of the CRD.)
 */
export const bytes: Build = () => ({ type: 'string' });

/** Wrapper types (google.protobuf.BoolValue, UInt32Value, DoubleValue) also accept null. */
export const nullable =
  (build: Build): Build =>
  () => ({ ...build(), nullable: true });

export const enumOf =
  (...values: string[]): Build =>
  () => ({ type: 'string', enum: [...values] });

export const array =
  (items: Build): Build =>
  () => ({ type: 'array', items: items() });

/** A map with string keys (protobuf map<string, V>, and map<uint32, V>, whose keys JSON writes as strings). */
export const map =
  (values: Build): Build =>
  () => ({ type: 'object', additionalProperties: values() });

export const stringMap: Build = map(string);

export const object =
  (properties: Record<string, Build>, required: string[] = []): Build =>
  () => {
    const node: SchemaNode = { type: 'object', properties: {} };
    for (const name of Object.keys(properties).sort()) node.properties![name] = properties[name]();
    if (required.length > 0) node.required = [...required];
    return node;
  };

/** A value Kubernetes accepts as an integer or a string (e.g. observedGeneration written by any controller). */
export const intOrString: Build = () => ({
  'x-kubernetes-int-or-string': true,
  anyOf: [{ type: 'integer' }, { type: 'string' }],
});

/** Free-form data that the API server keeps as written. */
export const freeForm: Build = () => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });

export const described =
  (description: string, build: Build): Build =>
  () => ({ description, ...build() });
