import type { ErrorClassifier } from '../errors.js';

export const postgresErrors: ErrorClassifier = {};
