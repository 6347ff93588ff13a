// The shapes the dashboard reads from the API.
export interface AppInfo {
  name: string;
  url: string;
  gitUrls: { http: string; ssh: string };
  ownerId: string;
  ownerKind: 'user' | 'team';
  collaboratorIds: string[];
  replicas: number;
  limits: { memoryMb: number; cpus: number };
  healthcheck: { path: string };
  port: number;
  domains: string[];
  deployBranch: string;
  createdAt: number;
  updatedAt: number;
  plugins: PluginEntry[];
  balance: 'round-robin' | 'least-connections';
  httpsRedirect: boolean;
  scaleToZero?: { idleSeconds: number };
  autoscale?: { minReplicas: number; maxReplicas: number; target: { rps?: number; inflight?: number } } | null;
}

/** GET /apps/:name/status → autoscale: the settings, the autoscaler's latest look and its last decisions. */
export interface AutoscaleStatus {
  minReplicas: number;
  maxReplicas: number;
  target: { rps?: number; inflight?: number };
  replicas: number;
  latest: { at: number; desired: number; direction: 'up' | 'down' | 'hold'; mode: 'stable' | 'panic'; reason: string } | null;
  refusal: { at: number; message: string } | null;
  decisions: { at: number; kind: 'up' | 'down' | 'refused' | 'failed'; from: number; to: number; message: string }[];
}

/** One entry of the app's edge plugin chain, as the API shows it (basic-auth passwords as null). */
export interface PluginEntry {
  name: string;
  config: Record<string, unknown>;
}

export interface Deployment {
  id: string;
  app: string;
  status: string;
  commit: string | null;
  ref: string | null;
  image: string | null;
  source: string;
  createdAt: number;
  finishedAt: number | null;
  error: string | null;
  /** The failure's DF_ERR_* code; null unless failed. */
  errorCode: string | null;
}

/** GET /apps/:name/status → sleep: scale-to-zero state. */
export interface SleepStatus {
  sleeping: boolean;
  wokeAt: number | null;
  wakes: number;
  lastColdStartMs: number | null;
  lastWakeError: string | null;
}
export interface AppStatus {
  state: string;
  sleep?: SleepStatus;
  replicas: { name: string; state: string; healthy?: boolean; hostPort: number | null }[];
  deployment: { id: string; status: string; image: string | null; commit: string | null; createdAt: number } | null;
}

/** One gateway window of an app: rate, status classes and latency percentiles (GET /apps/:name/metrics → requests). */
export interface RequestSample {
  at: number;
  requests: number;
  ratePerSecond: number;
  status: Record<'2xx' | '3xx' | '4xx' | '5xx', number>;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  total: number;
  gateways: number;
  inflight?: number;
}
