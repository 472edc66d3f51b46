/**
 * @mesh/config-validation: Istio's validation rules for every kind the mesh reads, as pure
 * functions over untrusted input. Issues name the resource, the field path and what is wrong.
 */
export {
  validateConfig,
  validateFileText,
  validateManifest,
  type ValidateOptions,
  type ValidationResult,
} from './validate';
export { parseDuration } from './rules/duration';
export { parseProtocol, protocolFromPortName, type Protocol } from './rules/ports';
