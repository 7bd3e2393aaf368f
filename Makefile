# Everyday commands. STACK is dev, acceptance or prod.
STACK ?= dev
VENV := .venv
PYTHON := $(VENV)/bin/python
RENDER_DIR := rendered-by-engine
export PYTHONPATH := $(CURDIR)

.PHONY: setup tools render test test-fast up preview destroy e2e bench swarm swarm-down clean

$(VENV)/installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

.venv-scan/installed: requirements-scan.txt
	python3 -m venv .venv-scan
	.venv-scan/bin/pip install -q --disable-pip-version-check -r requirements-scan.txt
	touch $@

setup: $(VENV)/installed .venv-scan/installed
	tools/install-system-packages.sh

## The Pulumi engine, its Docker provider and the Go-built tools (promtool with Kubernetes discovery, helm,
## actionlint), built from Go modules into ~/.cache/django-observability once (the engine takes about 15 minutes
## cold, the Docker provider about 5), then reused.
tools:
	tools/pulumi-engine.sh >/dev/null
	for tool in pulumi-resource-docker promtool helm actionlint; do tools/go-tool.sh $$tool >/dev/null; done

## Every object of a stack as YAML in rendered/$(STACK)/, offline (no Pulumi CLI, no cluster).
render: $(VENV)/installed
	$(PYTHON) render.py --stack $(STACK)

## All tests: unit (mocks), validators, end-to-end with real processes, and the real Pulumi engine.
test: setup tools
	$(PYTHON) -m pytest

## The tests that need neither the real engine nor real servers.
test-fast: $(VENV)/installed
	$(PYTHON) -m pytest tests/unit tests/validate

## `pulumi up` of a stack on the local file backend, with the Kubernetes provider rendering into $(RENDER_DIR)/.
up: $(VENV)/installed
	tools/stack.sh $(STACK) up --yes --skip-preview

## `pulumi preview` of a stack in render mode, as a pull request shows it, with the policy pack.
preview: $(VENV)/installed
	tools/stack.sh $(STACK) preview --diff --policy-pack policy/run-policy-pack \
		--policy-pack-config policy/config/$(STACK).json

destroy: $(VENV)/installed
	tools/stack.sh $(STACK) destroy --yes

## The local end-to-end demo: real gunicorn workers scraped by a real Prometheus, and a real Alertmanager cluster.
e2e: setup
	$(PYTHON) -m tests.e2e.demo --stack $(STACK)

## Benchmarks side by side, as ratios, into bench/results/latest.md.
bench: setup tools
	$(PYTHON) -m bench --stack $(STACK)

## A three-node Docker Swarm on this machine (root): one dockerd per network namespace, the stack's images loaded.
## Prints each node's name, address, Docker endpoint and role; a second run reuses the running Swarm.
swarm:
	tools/swarm/up

## Removes the local Swarm and everything `make swarm` made.
swarm-down:
	tools/swarm/down

clean:
	rm -rf rendered $(RENDER_DIR)
