# lean-go-images: one Go server, four Dockerfiles, measured.
#
#   make all && make report    build the four images, then measure them
#   make test                  vet, unit tests, lint, and end-to-end tests on the real images
#   make help                  every target
#
# Every variable below can be overridden: make all IMAGE=myrepo/hello OFFLINE=1

# Settings (override on the command line)

# Image repository; each step is tagged $(IMAGE):<step>.
IMAGE ?= lean-go-images
# Network for RUN steps during builds. The builds need none (standard library
# only), and one setting for every build keeps BuildKit's cache keys the same.
BUILD_NETWORK ?= none
# Extra flags for every docker buildx build, e.g. --no-cache.
DOCKER_BUILD_FLAGS ?=
# Platform to build for, e.g. linux/arm64 (make build-04-scratch-static PLATFORM=linux/arm64);
# empty: the Docker daemon's own platform, the native build.
PLATFORM ?=
# Step that `make run` starts, the port it serves on, and how it is reached.
STEP ?= 04-scratch-static
PORT ?= 8080
RUN_FLAGS ?= -p 127.0.0.1:$(PORT):$(PORT)
# Comma-separated subset of steps for `make report` (default: all).
STEPS ?=
# OFFLINE=1 never contacts a registry: missing base images are built from Debian packages.
OFFLINE ?=
# Pinned tools, installed into $(BIN) by `make tools`.
BIN ?= $(CURDIR)/bin
DIVE_VERSION ?= v0.13.1
HADOLINT_VERSION ?= 2.14.0
GO ?= go
DOCKER ?= docker

# Strict shell: a failing command in a pipeline fails the recipe.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# The steps are the NN-name directories that hold a Dockerfile.
ALL_STEPS := $(patsubst %/Dockerfile,%,$(wildcard [0-9][0-9]-*/Dockerfile))

export IMAGE OFFLINE BIN DIVE_VERSION HADOLINT_VERSION STEPS
export BIN_DIR := $(BIN)

##@ Workshop

.PHONY: help
help: ## Show this list of targets.
	@awk 'BEGIN {FS = ":.*## "} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_%-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@printf '\nSteps: %s\n' "$(ALL_STEPS)"

.PHONY: all
all: $(addprefix build-,$(ALL_STEPS)) ## Build every step's image, tagged IMAGE:step (01-single-stage … 04-scratch-static).

.PHONY: $(addprefix build-,$(ALL_STEPS))
$(addprefix build-,$(ALL_STEPS)): build-%: bases buildx
	$(DOCKER) buildx build --load --network=$(BUILD_NETWORK)$(if $(PLATFORM), --platform=$(PLATFORM)) $(DOCKER_BUILD_FLAGS) -f $*/Dockerfile -t $(IMAGE):$* .

# Any other build-NAME says why NAME is not a step, before touching Docker.
build-%: ## Build one step, e.g. make build-04-scratch-static.
	@if [[ -d "$*" && "$*" =~ ^[0-9][0-9]- ]]; then echo "make: $*/Dockerfile is missing: restore it (git checkout -- $*/Dockerfile)" >&2; \
	  else echo "make: unknown step '$*': choose from $(ALL_STEPS)" >&2; fi; exit 2

.PHONY: run
run: $(BIN)/preflight ## Serve one step on http://127.0.0.1:8080 (make run STEP=02-multi-stage PORT=8081); Ctrl-C stops it.
	@test -f "$(STEP)/Dockerfile" || { echo "make: unknown STEP '$(STEP)': choose from $(ALL_STEPS)" >&2; exit 2; }
	@$(BIN)/preflight
	@$(DOCKER) image inspect $(IMAGE):$(STEP) >/dev/null 2>&1 || { echo "make: image $(IMAGE):$(STEP) is missing: run make all (or make build-$(STEP))" >&2; exit 1; }
	$(DOCKER) run --rm --label lean-go-images.managed=true $(RUN_FLAGS) -e PORT=$(PORT) \
	  --read-only --cap-drop ALL --security-opt no-new-privileges $(IMAGE):$(STEP)

.PHONY: explore
explore: tools ## Open dive on one step's image to see where its bytes are (make explore STEP=01-single-stage); Ctrl-C quits.
	@$(GO) build -o "$(BIN)/explore" ./scripts/explore && "$(BIN)/explore" -image "$(IMAGE)" -dive "$(BIN)/dive" "$(STEP)"

.PHONY: report
# With `make all report`, even under -j2, measure only once the builds are done.
report: tools $(BIN)/report | $(filter all,$(MAKECMDGOALS)) ## Measure every built image; write RESULTS.md, results.json, results.svg and the README table.
	@$(BIN)/report -image $(IMAGE) -dive $(BIN)/dive -hadolint $(BIN)/hadolint

##@ Quality

.PHONY: test
test: vet unit lint e2e ## Run everything CI runs: vet, unit tests, lint, and end-to-end tests on the real images.

.PHONY: vet
vet: ## Run go vet on all Go code, end-to-end tests included.
	$(GO) vet -tags e2e ./...

.PHONY: unit
unit: ## Run the Go unit tests (no Docker needed).
	$(GO) test -count=1 ./...

.PHONY: lint
lint: tools ## Lint every Dockerfile with hadolint and every shell script with shellcheck.
	$(BIN)/hadolint $(addsuffix /Dockerfile,$(ALL_STEPS))
	shellcheck scripts/*.sh .ci/run

.PHONY: e2e
e2e: ## Build every image with no network, then run and measure them end to end.
	$(MAKE) all BUILD_NETWORK=none
	$(GO) test -count=1 -v -tags e2e -timeout 15m ./scripts/e2e/

##@ Setup

.PHONY: tools
tools: ## Install the pinned dive and hadolint into ./bin, and shellcheck, if missing.
	@scripts/tools.sh

.PHONY: bases
bases: ## Make sure every base image exists: local, else pulled, else built offline.
	@scripts/ensure-bases.sh

.PHONY: buildx
buildx: $(BIN)/preflight ## Check that Docker can build with BuildKit (the buildx plugin).
	@$(BIN)/preflight -buildx

.PHONY: offline-bases
offline-bases: ## Build look-alike base images from Debian packages, tagged with the upstream names.
	scripts/offline-bases.sh

# The project's own Go commands, built into $(BIN); go build is quick when
# nothing changed, and a built command fails with its own line only.
GO_CMDS := preflight report
.PHONY: $(addprefix $(BIN)/,$(GO_CMDS))
$(addprefix $(BIN)/,$(GO_CMDS)): $(BIN)/%:
	@$(GO) build -o $@ ./scripts/$*

# remove-listed runs $(1) to list IDs, removes them with docker $(2) -f, and
# says how many $(3) it removed.
define remove-listed
	@ids="$$($(1))"; \
	  if [[ -n "$$ids" ]]; then $(DOCKER) $(2) -f $$ids >/dev/null; echo "removed $$(wc -w <<<"$$ids") $(3)"; fi
endef

.PHONY: clean
clean: clean-containers ## Remove this project's images and containers (found by label), and nothing else.
	$(call remove-listed,$(DOCKER) images -q --filter label=lean-go-images.step | sort -u,rmi,image(s))

.PHONY: clean-containers
clean-containers: ## Remove containers the tooling started and left behind (found by label).
	$(call remove-listed,$(DOCKER) ps -aq --filter label=lean-go-images.managed=true,rm,container(s))

# Step images inherit the offline-base label from their base: keep those.
.PHONY: clean-bases
clean-bases: ## Remove the base images that offline-bases built (found by label).
	$(call remove-listed,comm -23 <($(DOCKER) images -q --filter label=lean-go-images.offline-base=true | sort -u) <($(DOCKER) images -q --filter label=lean-go-images.step | sort -u),rmi,image(s))
