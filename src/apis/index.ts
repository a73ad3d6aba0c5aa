import type { FastifyPluginAsync } from 'fastify';
import type { Core } from '../core/index.js';
import { arcDialect } from './arc/index.js';
import { basicDialect } from './basic/index.js';
import { feathersDialect } from './feathers/index.js';
import { sharedLogin } from './shared-login.js';
import { simpleDialect } from './simple/index.js';

export interface Dialect {
  name: string;
  plugin: FastifyPluginAsync<{ core: Core }>;
}

/**
 * Every wire format the server speaks, mounted in this order. `shared-login` comes first: it owns
 * `POST /auth/login`, which ARC and basic share (split by body, DESIGN.md).
 */
export const dialects: Dialect[] = [
  { name: 'shared-login', plugin: sharedLogin },
  { name: 'arc', plugin: arcDialect },
  { name: 'basic', plugin: basicDialect },
  { name: 'simple', plugin: simpleDialect },
  { name: 'feathers', plugin: feathersDialect },
];
