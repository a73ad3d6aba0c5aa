import type { ClaimsRepo } from '../../store/claims.js';

/** A group the user holds roles in, as a Feathers token's `groups` claim lists it. */
export interface GroupClaim {
  id: number;
  slug: string | null;
  name: string | null;
  /** The group type's slug. */
  type: string;
  /** Role slugs, in role order. */
  roles: string[];
}

/** The role ARC's bootstrap gives the first account, and the one Feathers' decision 15 lets do everything. */
export const ADMIN_ROLE = 'admin';

/**
 * What a user holds across the RBAC records: global roles (user_roles), roles in groups
 * (user_group_roles, plus those a parent group's members get through group_group_roles: see
 * store/claims.ts), the scopes of all of them, and whether the user is an administrator.
 */
export function rbacClaims(repo: ClaimsRepo) {
  return {
    /** Slugs of the user's global roles (user_roles). */
    globalRoles: (userId: number): Promise<string[]> => repo.globalRoles(userId),

    /** The groups the user holds roles in, by group id, each with its role slugs (direct and inherited, once each). */
    async groupsOf(userId: number): Promise<GroupClaim[]> {
      const rows = (await repo.groupRoles(userId)).sort((a, b) => a.id - b.id || a.role_id - b.role_id);
      const out: GroupClaim[] = [];
      for (const r of rows) {
        let g = out[out.length - 1];
        if (g?.id !== r.id) {
          // groups.name is NOT NULL; a group without a name is stored as '' (records/groups.ts).
          g = { id: r.id, slug: r.slug, name: r.name === '' ? null : r.name, type: r.type, roles: [] };
          out.push(g);
        }
        if (g.roles[g.roles.length - 1] !== r.role) g.roles.push(r.role);
      }
      return out;
    },

    /** Slugs of the access scopes of every role the user holds, globally or in any group: "does this user hold scope S". */
    scopesOf: (userId: number): Promise<string[]> => repo.scopes(userId),

    /** Holds the `admin` role globally or in its default group (ARC's tenant, where the seeded admin has it). */
    isAdmin: (userId: number): Promise<boolean> => repo.holdsAdmin(userId, ADMIN_ROLE),
  };
}
export type RbacClaims = ReturnType<typeof rbacClaims>;
