// Just enough browser for OAuth tests: fetch without following redirects, a cookie jar per
// origin (honouring Max-Age/Expires removal), and a form poster. Every Location it follows is
// recorded, so a test can check that no token ever travelled in a URL.
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();
  readonly locations: string[] = [];
  readonly setCookieLines: string[] = [];

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name);
  }

  setCookie(origin: string, name: string, value: string): void {
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    cookies.set(name, value);
    this.jar.set(origin, cookies);
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const { origin } = new URL(url);
    const cookies = [...(this.jar.get(origin) ?? new Map<string, string>())].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        ...(cookies ? { cookie: cookies } : {}),
        ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      this.setCookieLines.push(line);
      this.store(origin, line);
    }
    const location = res.headers.get('location');
    if (location) this.locations.push(new URL(location, url).toString());
    return res;
  }

  private store(origin: string, line: string): void {
    const [pair, ...attributes] = line.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq < 0) return;
    const name = pair.slice(0, eq).trim();
    const removed = attributes.some((a) => {
      const [key, value = ''] = a.trim().split('=');
      if (key?.toLowerCase() === 'max-age') return Number(value) <= 0;
      if (key?.toLowerCase() === 'expires') return Date.parse(value) <= Date.now();
      return false;
    });
    const cookies = this.jar.get(origin) ?? new Map<string, string>();
    if (removed) cookies.delete(name);
    else cookies.set(name, pair.slice(eq + 1).trim());
    this.jar.set(origin, cookies);
  }
}
