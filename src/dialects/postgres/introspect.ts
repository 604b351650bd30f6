import type { Introspector } from '../introspect.js';

export const postgresIntrospect: Introspector = {};
