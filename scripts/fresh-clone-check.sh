#!/usr/bin/env bash
# What a new user gets: the committed tree (HEAD) copied to an empty temp folder (so nothing sits
# beside it: no ../shared/reference), cmake unavailable, no Chromium, no database servers, CI unset.
# Then `npm ci`, `npm start` until /health/ready answers, and `npm test`, which must pass and name
# the suites it could not run.
#
# Time budget: a few minutes, because .ci/run also runs the whole suite (~12 min on 2 cores) and
# CI must stay well under 20. So `npm test` here is narrowed to the suites that depend on things
# outside the repository (they must report themselves as not run and pass) plus a handful of core
# suites (the CLI on the compiled output, sign-up and sign-in over HTTP, the Jsonnet golden tests,
# the engine packages' README examples), not the whole suite again.
#   scripts/fresh-clone-check.sh            check HEAD
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/tessera-fresh-XXXXXX")"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -- "-$server_pid" 2>/dev/null || kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/clone" "$work/shims"
git -C "$repo" archive --format=tar HEAD | tar -x -C "$work/clone"

# cmake (and so the native Jsonnet reference addon) must not be needed: a cmake on PATH fails loudly.
cat >"$work/shims/cmake" <<'SHIM'
#!/bin/sh
echo "fresh-clone check: cmake was called ($*), but installing Tessera must not need it" >&2
exit 127
SHIM
chmod +x "$work/shims/cmake"

clean_env=(env -u CI -u TESSERA_KRATOS_REFERENCE -u TESSERA_KRATOS_API_JSON -u TESSERA_KRATOS_UI_TEXT
  -u TEST_POSTGRES_DSN -u TEST_MYSQL_DSN PATH="$work/shims:$PATH" CHROMIUM_PATH="$work/no-chromium")
cd "$work/clone"

started=$(date +%s)
"${clean_env[@]}" npm ci --prefer-offline --no-audit --no-fund
echo "fresh-clone check: npm ci took $(( $(date +%s) - started )) s; node_modules is $(du -sh node_modules | cut -f1)"

port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
public_port=$(port); admin_port=$(port)
set -m
SERVE_PUBLIC_PORT=$public_port SERVE_ADMIN_PORT=$admin_port "${clean_env[@]}" npm start >"$work/start.log" 2>&1 &
server_pid=$!
set +m
ready=""
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$public_port/health/ready" >/dev/null 2>&1; then ready=yes; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "fresh-clone check: npm start did not become ready" >&2
  cat "$work/start.log" >&2
  exit 1
fi
echo "fresh-clone check: npm start answered /health/ready"
kill -- "-$server_pid" 2>/dev/null || kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=""

"${clean_env[@]}" npm test -- \
  test/e2e/browser/ test/testkit/openapi.test.ts test/schema/text.test.ts test/text/catalogue.test.ts \
  packages/gotemplate/test/kratos.test.ts test/e2e/identities/schemas-health.test.ts \
  test/e2e/cli/cli.test.ts test/e2e/flows/native.test.ts packages/jsonnet/test/differential.test.ts \
  test/packaging/readme-examples.test.ts \
  | tee "$work/test.log"
grep -q "Did not run, because something outside the repository is missing" "$work/test.log" || {
  echo "fresh-clone check: npm test did not name the suites it could not run" >&2
  exit 1
}
echo "fresh-clone check: passed"
