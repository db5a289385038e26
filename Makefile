# The two commands of the README: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test bench bench-http services stop-services migrate clean

help:
	@echo "make run    - start MariaDB, Redis and the app (release build) on http://127.0.0.1:8080"
	@echo "make test   - run every test against throwaway MariaDB and Redis instances"
	@echo "make bench  - print throughput figures beside reference tools (ARGS=\"--only mariadb|redis|http\")"
	@echo "make bench-http URL=http://127.0.0.1:8080 - the HTTP figures (wrk) of an app already running"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh $(ARGS)

bench-http:
	@scripts/bench-http.sh $(URL)

services:
	@scripts/services.sh start

stop-services:
	@scripts/services.sh stop

clean:
	rm -rf .build .local/dist
