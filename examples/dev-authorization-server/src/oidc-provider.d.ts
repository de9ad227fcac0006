declare module 'oidc-provider' {
  const Provider: new (issuer: string, configuration: Record<string, unknown>) => import('./types.js').OidcProvider;
  export default Provider;
  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    [name: string]: unknown;
  };
}
