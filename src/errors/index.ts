export * from './kratos-error.js';
export * from './storage.js';
