# Everyday commands. STACK is dev, acceptance or prod.
STACK ?= dev
VENV := .venv
PYTHON := $(VENV)/bin/python
RENDER_DIR := rendered-by-engine
export PYTHONPATH := $(CURDIR)

NODES ?= 3

.PHONY: setup tools images render golden test test-fast test-hosted up preview destroy e2e bench clean cluster cluster-down swarm swarm-down rehearse

# Each goal first checks the Debian packages it runs and installs the missing ones (tools/system-packages.txt says
# which), before anything else of it runs: packages-GOAL is its first prerequisite.
packages-%:
	@tools/install-system-packages.sh --for "make $*"

$(VENV)/installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

.venv-scan/installed: requirements-scan.txt
	python3 -m venv .venv-scan
	.venv-scan/bin/pip install -q --disable-pip-version-check -r requirements-scan.txt
	touch $@

setup: packages-setup $(VENV)/installed .venv-scan/installed

## The Pulumi engine, every Go-built tool and cluster binary, and the images, built from Go modules and Debian
## packages into ~/.cache/django-observability once, side by side (the estimate of the whole, from the measured
## tools/build-seconds.txt, is printed first), then reused.
tools: packages-tools $(VENV)/installed
	tools/build-all.sh

## The container images of the local cluster and Swarm (pause, netcheck, Prometheus, Alertmanager, the config reloader,
## CoreDNS, the Django app) as docker-save archives in ~/.cache/django-observability/images, without a registry or
## dockerd. Needs root; cached by inputs, so a second run takes a second. tools/images/build.sh --tag NAME names them.
images: packages-images
	tools/build-all.sh $$(tools/build-all.sh --parts | grep '^image:')

## Every object of a stack as YAML in rendered/$(STACK)/, offline (no Pulumi CLI, no cluster).
render: $(VENV)/installed
	$(PYTHON) -m django_observability.render --stack $(STACK)

## Refresh tests/golden/<stack>/, the committed offline render of every stack that tests/unit/test_golden.py checks.
golden: $(VENV)/installed
	for stack in dev acceptance prod; do $(PYTHON) -m django_observability.render --stack $$stack --out tests/golden >/dev/null || exit 1; done

## All tests: unit (mocks), validators, end-to-end with real processes, the real Pulumi engine, the local cluster and
## the local Swarm. Needs root (network namespaces, mounts, cgroups, iptables): a self-hosted CI runner, or this machine.
test: packages-test setup tools
	$(PYTHON) -m pytest

## The tests a hosted CI runner can run, without root: test-fast's, the validators with the tools built from Go modules
## (promtool, amtool and Alertmanager, kube-score, actionlint), checkov, and the real engine in render mode (previews,
## ups, faults). Builds those tools and the engine first (cached in ~/.cache/django-observability), not the cluster's.
test-hosted: packages-test-hosted setup
	tools/build-all.sh engine pulumi-yaml prometheus alertmanager kube-score actionlint docker-provider
	$(PYTHON) -m pytest -m "not (e2e or cluster or swarm or toolchain)"

## The tests that build nothing and start nothing: no tool built from a Go module, no engine, no server, no cluster
## (pytest.ini's markers); seconds. A test that asks for a built tool without its marker fails.
test-fast: packages-test-fast setup
	$(PYTHON) -m pytest -m "not (tools or slow or engine or e2e or cluster or package or swarm or toolchain)"

## The local Kubernetes cluster ($(NODES) real nodes, CoreDNS, NetworkPolicy enforcement, prometheus-operator):
## started, or reused when it runs; `make cluster-down` stops it and removes everything it made.
cluster: packages-cluster $(VENV)/installed
	$(PYTHON) -m localcluster up --nodes $(NODES)

cluster-down: packages-cluster-down $(VENV)/installed
	$(PYTHON) -m localcluster down

## `pulumi up` of a stack on the local cluster (started first if needed); waits until Prometheus scrapes every worker.
up: packages-up $(VENV)/installed
	$(PYTHON) -m localcluster deploy $(STACK) --nodes $(NODES)

## `pulumi preview` of a stack in render mode, as a pull request shows it, with the policy pack.
preview: packages-preview $(VENV)/installed
	tools/stack.sh $(STACK) preview --diff --policy-pack policy/run-policy-pack \
		--policy-pack-config policy/config/$(STACK).json

## `pulumi destroy` of a stack on the local cluster.
destroy: packages-destroy $(VENV)/installed
	$(PYTHON) -m localcluster destroy $(STACK)

## The local end-to-end demo: real gunicorn workers scraped by a real Prometheus, and a real Alertmanager cluster.
e2e: packages-e2e setup
	$(PYTHON) -m tests.e2e.demo --stack $(STACK)

## Benchmarks side by side, as ratios, into bench/results/latest.md.
bench: packages-bench setup tools
	$(PYTHON) -m bench --stack $(STACK)

## A three-node Docker Swarm on this machine (root): one dockerd per network namespace, the stack's images loaded.
## Prints each node's name, address, Docker endpoint and role; a second run reuses the running Swarm.
swarm: packages-swarm
	tools/swarm/up

## Removes the local Swarm and everything `make swarm` made.
swarm-down: packages-swarm-down
	tools/swarm/down

## A new user's first run, rehearsed on this machine: a fresh clone of this commit with empty tool, Go build and Go
## module caches and the project's Debian packages removed, then `make up` and `make test` as the README says; prints
## each part's time and removes everything it made. 60 to 90 minutes of every core; `ARGS=--dry-run` prints the plan.
rehearse: packages-rehearse
	tools/rehearse-fresh-machine.sh $(ARGS)

clean:
	rm -rf rendered $(RENDER_DIR)
