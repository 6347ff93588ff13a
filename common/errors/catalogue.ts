// Every DF_ERR_* code a DeployFlow component returns, grouped by the component that returns it
// (catalogue.test.ts fails on a code in the source that is missing here). ERRORS: control's API,
// with git and the builder behind it — domain code throws `DeployFlowError` with one of them and
// the edges (HTTP, Socket.IO) map it once, HTTP status from this table, message as written.
// GATEWAY_ERRORS: the gateway's own answers. CLI_ERRORS: what the CLI finds out by itself.

export const ERRORS = {
  DF_ERR_VALIDATION: { status: 400, message: 'The request is not valid' },
  DF_ERR_BAD_JSON: { status: 400, message: 'The request body is not valid JSON' },
  DF_ERR_INVALID_APP_NAME: {
    status: 400,
    message:
      'App names are DNS labels: 2-63 characters, lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen',
  },
  DF_ERR_RESERVED_NAME: { status: 400, message: 'That name is reserved by the platform' },
  DF_ERR_INVALID_ENV_KEY: { status: 400, message: 'Env var keys must match ^[A-Za-z_][A-Za-z0-9_]*$' },
  DF_ERR_INVALID_DOMAIN: { status: 400, message: 'That is not a valid domain name' },
  DF_ERR_INVALID_REF: { status: 400, message: 'That is not a valid git ref' },
  DF_ERR_INVALID_PATH: { status: 400, message: 'That is not a valid path' },
  DF_ERR_TOKEN_IN_URL: { status: 400, message: 'Tokens are accepted only in the Authorization header, never in the URL' },
  DF_ERR_UNAUTHENTICATED: { status: 401, message: 'Authentication required' },
  DF_ERR_INVALID_CREDENTIALS: { status: 401, message: 'Email or password is wrong' },
  DF_ERR_INVALID_TOKEN: { status: 401, message: 'The token is invalid or expired' },
  DF_ERR_SECOND_FACTOR_REQUIRED: {
    status: 401,
    message: 'This account uses two-factor sign-in: send the code from your authenticator app (or a recovery code)',
  },
  DF_ERR_SECOND_FACTOR_INVALID: { status: 401, message: 'That code is wrong, expired or already used' },
  DF_ERR_REFRESH_REUSED: { status: 401, message: 'That refresh token was already used; every session of its family is revoked' },
  DF_ERR_FORBIDDEN: { status: 403, message: 'You are not allowed to do that' },
  DF_ERR_SECOND_FACTOR_SETUP_REQUIRED: {
    status: 403,
    message: 'Admins must turn on two-factor sign-in (Account page, or POST /api/v1/auth/2fa/setup) before anything else',
  },
  DF_ERR_ACCOUNT_DISABLED: { status: 403, message: 'This account is disabled; ask an admin' },
  DF_ERR_RESET_TOKEN_INVALID: { status: 400, message: 'That password reset link is invalid, expired or already used; ask for a new one' },
  DF_ERR_INVITATION_INVALID: { status: 400, message: 'That invitation is invalid, expired, revoked or already used; ask for a new one' },
  DF_ERR_INVITATION_OTHER_ACCOUNT: {
    status: 403,
    message: 'That invitation is for another e-mail address: sign out, or sign in with the invited address, and open the link again',
  },
  DF_ERR_REGISTRATION_CLOSED: { status: 403, message: 'Registration is closed; ask an admin for an account' },
  DF_ERR_QUOTA_EXCEEDED: { status: 403, message: 'Quota exceeded' },
  DF_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  DF_ERR_APP_NOT_FOUND: { status: 404, message: 'No such app' },
  DF_ERR_GOOGLE_DISABLED: { status: 404, message: 'Google login is not configured' },
  DF_ERR_APP_EXISTS: { status: 409, message: 'An app with that name already exists' },
  DF_ERR_EMAIL_TAKEN: { status: 409, message: 'An account with that email already exists' },
  DF_ERR_DOMAIN_UNVERIFIED: {
    status: 409,
    message: "The domain's TXT record is not there (yet): create it as shown, wait for DNS, then verify again",
  },
  DF_ERR_LOCK_LOST: { status: 409, message: 'Another control instance took over this app while the change ran; nothing was switched' },
  DF_ERR_STORE_IN_USE: {
    status: 503,
    message: 'Another control process already uses the embedded SQLite store; several control instances need MongoDB',
  },
  DF_ERR_CONFLICT: { status: 409, message: 'That conflicts with an existing record' },
  DF_ERR_OWN_ACCOUNT: { status: 409, message: 'You cannot disable or delete your own account; another admin can' },
  DF_ERR_LAST_ADMIN: {
    status: 409,
    message: 'At least one enabled admin must remain: make another admin (or enable one) first',
  },
  DF_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  DF_ERR_UNSUPPORTED_MEDIA: { status: 415, message: 'Send JSON with Content-Type: application/json' },
  DF_ERR_RATE_LIMITED: { status: 429, message: 'Too many attempts; try again later' },
  DF_ERR_DECRYPT_FAILED: { status: 500, message: 'A stored secret could not be decrypted; check the encryption key' },
  DF_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  DF_ERR_UNAVAILABLE: { status: 503, message: 'A required service is unavailable' },
  DF_ERR_CONFIG: { status: 500, message: 'Invalid configuration' },
  DF_ERR_UNSAFE_ARCHIVE: { status: 422, message: 'The source tree has a path or symlink that points outside it' },
  DF_ERR_UNDETECTED_APP: { status: 422, message: 'No Dockerfile, and no Node.js, static, Python or Go app detected' },
  DF_ERR_BUILD_FAILED: { status: 422, message: 'The image build failed' },
  DF_ERR_BUILD_TIMEOUT: { status: 504, message: 'The image build took too long and was stopped' },
  DF_ERR_BUILD_REFUSED: {
    status: 422,
    message: "The Dockerfile uses something builds may not use (another app's image, ADD <url>, a secret mount, …)",
  },
  DF_ERR_BUILD_LIMIT: {
    status: 422,
    message: "A build step went past the build's memory, process, context or image size limit and was stopped",
  },
  DF_ERR_HEALTHCHECK_FAILED: { status: 422, message: 'The new containers did not become healthy; the previous version keeps serving' },
  DF_ERR_RELEASE_FAILED: { status: 500, message: 'The release could not start the new containers; the previous version keeps serving' },
  DF_ERR_INVALID_CERTIFICATE: { status: 400, message: 'The certificate and key are not a valid pair for that domain' },
  DF_ERR_ACME_FAILED: { status: 502, message: 'The ACME certificate authority did not issue a certificate' },
  DF_ERR_GIT_COMMAND: { status: 400, message: 'Only git-receive-pack and git-upload-pack of an app repository are allowed' },
  DF_ERR_GIT_REF_DELETE: { status: 403, message: 'Deleting a branch or tag of an app repository is not allowed' },
  DF_ERR_NOT_DEPLOYED: { status: 409, message: 'The app has no running deployment yet: push code or deploy an image first' },
  DF_ERR_APP_STOPPED: { status: 409, message: 'The app is stopped: start it first' },
  DF_ERR_WEBHOOK_REJECTED: {
    status: 401,
    message: 'Webhook refused: unknown app, webhooks off for it, or a missing or wrong signature or token',
  },
  DF_ERR_WEBHOOK_REPLAYED: {
    status: 409,
    message: 'This delivery (or one with the same body) was already received; push again to deploy (replays are refused for 24 hours)',
  },
  DF_ERR_CLONE_URL_INVALID: { status: 400, message: 'The repository URL must be a plain http(s) URL without credentials' },
  DF_ERR_CLONE_URL_PRIVATE: {
    status: 403,
    message: 'The repository URL resolves to a private, loopback or internal address; an admin can allow that (webhooks.allowPrivateUrls)',
  },
  DF_ERR_CLONE_FAILED: { status: 502, message: 'The repository could not be cloned' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The gateway's own pages (JSON or a tiny HTML page), sent with `status`. */
export const GATEWAY_ERRORS = {
  DF_ERR_BAD_REQUEST: { status: 400, message: 'Bad request' },
  DF_ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request headers are too large' },
  DF_ERR_NO_ROUTE: { status: 404, message: 'No app is deployed at this address' },
  DF_ERR_PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  DF_ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request did not arrive in time' },
  DF_ERR_EXPECTATION_FAILED: { status: 417, message: 'Only Expect: 100-continue is supported' },
  DF_ERR_PLUGIN_FAILED: { status: 500, message: 'A plugin of this app failed on this request' },
  DF_ERR_UPSTREAM: { status: 502, message: 'The app did not answer properly' },
  DF_ERR_NO_HEALTHY_UPSTREAM: { status: 503, message: 'The app has no healthy replica right now' },
  DF_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The app took too long to answer' },
  // A scaled-to-zero app (with Retry-After): still waking, or the wake failed.
  DF_ERR_APP_WAKING: { status: 503, message: 'The app is waking up from sleep; try again in a moment' },
  DF_ERR_WAKE_FAILED: { status: 503, message: 'The app is asleep and could not be woken; try again later' },
} as const satisfies Record<string, { status: number; message: string }>;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

/** The CLI's own (an error from the API is printed with the API's code). */
export const CLI_ERRORS = {
  DF_ERR_DEPLOY_FAILED: { message: 'The deployment did not reach running' },
} as const satisfies Record<string, { message: string }>;

export class DeployFlowError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, details?: Record<string, unknown>) {
    super(message ?? ERRORS[code].message);
    this.name = 'DeployFlowError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

export function isDeployFlowError(err: unknown): err is DeployFlowError {
  return err instanceof DeployFlowError;
}

/** The JSON body every error response carries. */
export function errorBody(err: DeployFlowError): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
  return { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
}
