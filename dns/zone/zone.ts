// What the resolver is authoritative for: the platform domain, every name under it, and every
// custom domain the route table routes. Pure: fed host by host from the route table consumer.
export type Decision = 'ours' | 'other';

export class Zone {
  private readonly custom = new Set<string>();
  private readonly suffix: string;

  constructor(readonly domain: string) {
    this.suffix = `.${domain}`;
  }

  /** Route table change: a host (un)routed. Hosts under the domain are covered anyway. */
  setHost(host: string, routed: boolean): void {
    if (routed) this.custom.add(host);
    else this.custom.delete(host);
  }

  /** The apex of the zone `name` (one of ours) is in: the platform domain, or the custom domain itself. */
  apexOf(name: string): string {
    return name === this.domain || name.endsWith(this.suffix) ? this.domain : name;
  }

  /** `name` is lower case, without the trailing dot. */
  decide(name: string): Decision {
    if (name === this.domain || name.endsWith(this.suffix) || this.custom.has(name)) return 'ours';
    return 'other';
  }
}
