// nginx configuration for static sites that runs as the unprivileged `nginx` user of the stock
// image: the pid file and every temp path move to /tmp, and it listens on the app port (> 1024
// needs no capability, and the release drops them all).
export function nginxConf(port: number): string {
  return `worker_processes 1;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  server {
    listen ${port};
    root /usr/share/nginx/html;
    index index.html;
    location ~ /\\.deployflow/ { return 404; }
    location / { try_files $uri $uri/ =404; }
  }
}
`;
}
