// Listening as every service does it: resolve with the port actually bound (port 0 in tests
// asks the kernel for a free one), reject on EADDRINUSE and friends instead of crashing later.
import type net from 'node:net';

export function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

export function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
