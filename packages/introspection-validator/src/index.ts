export { introspectionValidator } from './introspection-validator.js';
export type { ClientAuthMethod, IntrospectionValidatorOptions } from './types.js';
