/** Codes carried by {@link DevAuthorizationServerError}. */
export type DevAuthorizationServerErrorCode =
  | 'DEV_AS_INVALID_OPTIONS'
  | 'DEV_AS_LISTEN_FAILED'
  | 'DEV_AS_BROWSER_HTTP_ERROR'
  | 'DEV_AS_BROWSER_NO_FORM'
  | 'DEV_AS_BROWSER_TOO_MANY_STEPS'
  | 'DEV_AS_DEVICE_NOT_APPROVED'
  | 'DEV_AS_JWT_NOT_REVOCABLE'
  | 'DEV_AS_TOKEN_NOT_FOUND';

/** Error thrown by the development authorization server and its browser helpers. */
export class DevAuthorizationServerError extends Error {
  /** Stable machine-readable code. */
  readonly code: DevAuthorizationServerErrorCode;

  constructor(code: DevAuthorizationServerErrorCode, message: string) {
    super(message);
    this.name = 'DevAuthorizationServerError';
    this.code = code;
  }
}
