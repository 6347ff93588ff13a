# `make up` and `make test` share one idempotent prerequisite step (scripts/prereqs.sh).
.PHONY: prereqs up test lint typecheck bench web

prereqs:
	@bash scripts/prereqs.sh

up: prereqs
	@bash scripts/start-redis.sh
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379} ./bin/deployflow up

typecheck:
	npx tsc --noEmit -p tsconfig.json

lint:
	npx eslint .

test: prereqs typecheck lint
	node --import tsx --test --test-concurrency=1 --test-timeout=600000 $$(find common control builder gateway dns git test -name '*.test.ts' -not -path '*/node_modules/*' | sort)

bench: 
	@DEPLOYFLOW_PREREQS_BENCH=1 bash scripts/prereqs.sh
	node --import tsx bench/run.ts
