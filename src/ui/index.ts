/** The UI node model flows build and return: nodes, ordering, generated forms. */
export * from './node.js';
export { flattenJSON } from './flatten.js';
export { csrfNode, CSRF_TOKEN_NAME } from './csrf.js';
export { sortNodes, loginSortOptions, registrationSortOptions, passwordLoginOrder, type SortNodesOptions } from './sort.js';
export {
  nodesFromIdentitySchema,
  listSchemaPaths,
  schemaKeysInOrder,
  identifierLabelFromSchema,
  type SchemaNodesOptions,
  type SchemaPath,
  type SchemaRefResolver,
} from './schema-nodes.js';
export {
  passwordNode,
  methodNode,
  loginIdentifierNode,
  passwordLoginNodes,
  passwordLoginRefreshNodes,
  passwordRegistrationNodes,
  profileRegistrationNodes,
  splitRegistrationSteps,
  registrationBackNode,
  type RegistrationNodesOptions,
} from './password-nodes.js';
