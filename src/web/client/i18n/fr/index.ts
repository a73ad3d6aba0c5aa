import type { MessageKey } from '../en/index.js';
import { common } from './common.js';
import { auth } from './auth.js';
import { account } from './account.js';
import { admin } from './admin.js';

/** French. Each part is typed against its English part, so a missing key fails the build. */
export const fr: Record<MessageKey, string> = { ...common, ...auth, ...account, ...admin };
