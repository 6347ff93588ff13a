// The dashboard build: web/ is the Vite root, the output goes to web/dist, which control serves.
// The dev server proxies the API and Socket.IO to a control on :5000.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 600 },
  server: { proxy: { '/api': 'http://127.0.0.1:5000', '/socket.io': { target: 'http://127.0.0.1:5000', ws: true } } },
});
