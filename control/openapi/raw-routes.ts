// Endpoints served by raw routers (browser redirects, signed webhook bodies) rather than by
// declared routes: described here by hand so the OpenAPI document still lists every endpoint.
// Keep in step with control/auth/google/router.ts and control/webhooks/router.ts.
export interface RawRouteDoc {
  method: 'get' | 'post';
  path: string;
  summary: string;
  tag: string;
  status: number;
  params?: string[];
}

export const RAW_ROUTE_DOCS: RawRouteDoc[] = [
  {
    method: 'get',
    path: '/auth/google',
    tag: 'auth',
    status: 302,
    summary: 'Start Google login: redirect to the provider (state and PKCE in a signed cookie)',
  },
  {
    method: 'get',
    path: '/auth/google/callback',
    tag: 'auth',
    status: 302,
    summary: 'Provider callback: sets a one-time HttpOnly code cookie and redirects to the dashboard',
  },
  {
    method: 'post',
    path: '/auth/google/exchange',
    tag: 'auth',
    status: 200,
    summary: 'Exchange the one-time code cookie for {user, accessToken, refreshToken}',
  },
  {
    method: 'post',
    path: '/webhooks/github/{app}',
    tag: 'webhooks',
    status: 202,
    params: ['app'],
    summary: 'GitHub push webhook (X-Hub-Signature-256 over the raw body)',
  },
  {
    method: 'post',
    path: '/webhooks/gitlab/{app}',
    tag: 'webhooks',
    status: 202,
    params: ['app'],
    summary: 'GitLab push webhook (X-Gitlab-Token)',
  },
];
