import type { DevUser } from './types.js';

export const DEFAULT_USERS: Readonly<Record<string, DevUser>> = {
  alice: { name: 'Alice Example', email: 'alice@example.com' },
  bob: { name: 'Bob Example', email: 'bob@example.com' },
};

export function createFindAccount(users: Record<string, DevUser>) {
  return async (_ctx: unknown, sub: string) => {
    const user = Object.hasOwn(users, sub) ? users[sub] : undefined;
    if (!user) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, name: user.name, email: user.email, email_verified: true };
      },
    };
  };
}
