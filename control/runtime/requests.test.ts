import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppMetrics, GatewayMetricsReport } from '../../common/gateway-reports/index.js';
import { counterDelta, percentileMs, RequestAggregator } from './requests.js';

const BOUNDS = [10, 100, 1000];
const metrics = (requests: number, latency: number[] = [requests, 0, 0, 0], status = [0, requests, 0, 0, 0]): AppMetrics => ({
  requests,
  status,
  latency,
  bytesIn: 0,
});
const report = (id: string, seconds: number, apps: Record<string, AppMetrics>): GatewayMetricsReport => ({
  id,
  at: new Date(seconds * 1000).toISOString(),
  apps,
});

describe('request metrics math', () => {
  it('interpolates percentiles inside the histogram bucket', () => {
    assert.equal(percentileMs([10, 0, 0, 0], 0.5, BOUNDS), 5);
    // 10 fast, 10 in 10..100 ms: the median is the top of the first bucket, p95 90 % into the second.
    assert.equal(percentileMs([10, 10, 0, 0], 0.5, BOUNDS), 10);
    assert.equal(percentileMs([10, 10, 0, 0], 0.95, BOUNDS), 91);
    assert.equal(percentileMs([0, 0, 0, 4], 0.99, BOUNDS), 1000, 'slower than every bound reads as the last bound');
    assert.equal(percentileMs([0, 0, 0, 0], 0.5, BOUNDS), null);
  });

  it('subtracts counters, and starts over when a counter went down', () => {
    const d = counterDelta(metrics(10, [4, 6, 0, 0]), metrics(15, [5, 10, 0, 0]));
    assert.deepEqual([d.requests, d.latency, d.status[1]], [5, [1, 4, 0, 0], 5]);
    assert.equal(counterDelta(metrics(10), metrics(3)).requests, 3);
    assert.equal(counterDelta(undefined, metrics(7)).requests, 7);
  });

  it('needs two reports of a gateway for a rate; counts status classes and latency of the window', () => {
    const agg = new RequestAggregator();
    assert.equal(agg.ingest([report('g1', 100, { web: metrics(50) })], 0).size, 0, 'the first report is a baseline');
    const second = { requests: 70, status: [0, 60, 2, 5, 3], latency: [50, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], bytesIn: 0 };
    const s = agg.ingest([report('g1', 102, { web: second })], 1).get('web')!;
    assert.deepEqual([s.requests, s.ratePerSecond, s.total, s.gateways], [20, 10, 70, 1]);
    assert.deepEqual(s.status, { '2xx': 10, '3xx': 2, '4xx': 5, '5xx': 3 });
    assert.equal(s.p50Ms, 7.5); // 20 requests, all in the 5..10 ms bucket
    assert.equal(agg.ingest([report('g1', 102, { web: second })], 2).size, 0, 'an unchanged report is no new sample');
  });

  it('reads in-flight requests as a gauge of the latest reports, summed over gateways', () => {
    const agg = new RequestAggregator();
    agg.ingest([report('g1', 100, { web: { ...metrics(10), inflight: 9 } }), report('g2', 100, { web: metrics(0) })], 0);
    const s = agg
      .ingest([report('g1', 102, { web: { ...metrics(20), inflight: 3 } }), report('g2', 102, { web: { ...metrics(4), inflight: 2 } })], 1)
      .get('web')!;
    assert.equal(s.inflight, 5, 'the gauges now, not a difference of them');
  });

  it('sums the latest window of every gateway, so out-of-step publishers add up', () => {
    const agg = new RequestAggregator();
    agg.ingest([report('a', 0, { web: metrics(0) }), report('b', 1, { web: metrics(0) })], 0);
    const first = agg.ingest([report('a', 2, { web: metrics(20) }), report('b', 1, { web: metrics(0) })], 1).get('web')!;
    assert.deepEqual([first.ratePerSecond, first.gateways, first.total], [10, 1, 20]);
    const both = agg.ingest([report('a', 2, { web: metrics(20) }), report('b', 3, { web: metrics(8) })], 2).get('web')!;
    assert.deepEqual([both.ratePerSecond, both.gateways, both.requests, both.total], [14, 2, 28, 28]);
    assert.equal(agg.reporting, 2);
  });

  it('forgets a gateway that left the hash or stopped moving', () => {
    const agg = new RequestAggregator(5000);
    agg.ingest([report('a', 0, {}), report('b', 0, {})], 0);
    agg.ingest([report('a', 2, { web: metrics(4) }), report('b', 0, {})], 6000);
    assert.equal(agg.reporting, 1, 'b has not moved for 6 s');
    agg.ingest([], 7000);
    assert.equal(agg.reporting, 0);
  });
});
