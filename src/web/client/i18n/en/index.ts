import { common } from './common.js';
import { auth } from './auth.js';
import { account } from './account.js';
import { admin } from './admin.js';

/** English, the complete catalogue every other language is checked against. */
export const en = { ...common, ...auth, ...account, ...admin };
export type MessageKey = keyof typeof en;
