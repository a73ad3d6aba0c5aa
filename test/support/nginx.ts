/**
 * The lines an nginx started by a test needs in its `http` block: no access log, and every
 * temporary directory inside the test's own `dir` (the defaults are under /var/lib/nginx,
 * which a test run may not write, and would be shared by parallel runs).
 */
export function nginxScratch(dir: string): string {
  return `access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;`;
}
