# `make up` and `make test` share one idempotent prerequisite step (scripts/prereqs.sh).
.PHONY: prereqs up down test lint typecheck deps format format-check bench web build api-docs fresh-machine

prereqs:
	@bash scripts/prereqs.sh

# `make up` runs in the foreground under its supervisor (Ctrl-C stops it); the names of the
# platform resolve on this machine through a managed block in /etc/hosts, removed at stop.
up: prereqs web build
	@bash scripts/start-redis.sh
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379} DEPLOYFLOW_HOSTS_FILE=$${DEPLOYFLOW_HOSTS_FILE:-/etc/hosts} ./bin/deployflow up

# Stops what `make up` started (the supervisor, its processes, the Redis it started); apps keep running.
down:
	@./bin/deployflow down

typecheck:
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p web/tsconfig.json

lint:
	npx eslint .

# One formatting for the whole tree (Prettier, .prettierrc.json): `make format` rewrites, make test checks.
format:
	npx prettier --write .

format-check:
	npx prettier --check . --log-level warn

# Import boundaries and import circles (.dependency-cruiser.mjs says which and why).
deps:
	npx depcruise common control git dns builder gateway supervisor doctor cli bin test bench web/src --config .dependency-cruiser.mjs

test: prereqs typecheck lint format-check deps web build
	node --import tsx --test --test-concurrency=1 --test-timeout=600000 $$(find cli common control builder gateway dns git supervisor doctor test -name '*.test.ts' -not -path '*/node_modules/*' | sort)

# The services and the CLI as JavaScript in dist/ (esbuild, well under a second): bin/deployflow runs
# it when it is newer than every source, and the TypeScript through tsx otherwise.
build: prereqs
	node scripts/build.mjs

# The dashboard: rebuilt only when a source (or the lock file) is newer than web/dist.
WEB_SOURCES := $(shell find web/src -type f 2>/dev/null) web/index.html web/vite.config.ts web/tsconfig.json package-lock.json

web: prereqs web/dist/index.html

web/dist/index.html: $(WEB_SOURCES)
	npx vite build web --logLevel warn
	@touch web/dist/index.html

bench: web build
	@DEPLOYFLOW_PREREQS_BENCH=1 bash scripts/prereqs.sh
	node --import tsx bench/run.ts

# docs/api.md, the REST reference, from the OpenAPI document; run it after adding or changing a route
# (test/api-docs.test.ts fails while the file is out of date).
api-docs:
	node --import tsx scripts/gen-api-docs.ts

# The README's two commands on a freshly debootstrapped Debian, in a privileged container (long; by hand,
# not in CI): see docs/operations.md#proving-a-fresh-machine.
fresh-machine:
	bash scripts/fresh-machine.sh
