# The two commands of the README: `make run` and `make test`. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test bench bench-http seed services stop-services migrate clean

help:
	@echo "make run    - start MariaDB, Redis and the app (release build) on http://127.0.0.1:8080"
	@echo "make test   - run every test against throwaway MariaDB and Redis instances"
	@echo "make bench  - print throughput figures beside reference tools (ARGS=\"--only mariadb|redis|hash|http|research\")"
	@echo "make seed N=100000 - add N synthetic responses to the make-run database (demos)"
	@echo "make bench-http URL=http://127.0.0.1:8080 - the HTTP figures (wrk) of an app already running"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

bench:
	@scripts/bench.sh $(ARGS)

bench-http:
	@scripts/bench-http.sh $(URL)

seed:
	@scripts/seed.sh $(N)

services:
	@scripts/services.sh start

stop-services:
	@scripts/services.sh stop

clean:
	rm -rf .build .local/dist
