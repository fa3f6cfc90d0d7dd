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
# Where `make report` writes RESULTS.md, results.json and results.svg. Only
# when it is the checkout itself does it also fill the READMEs' tables and
# the lessons' figures: OUT=/tmp/x leaves every tracked file as it is.
OUT ?= .
# Extra go test flags for `make e2e`: -run TestReport runs one test; -short
# skips the tests whose outcome does not depend on the engine.
E2E_FLAGS ?=
# OFFLINE=1 never contacts a registry: missing base images are built from Debian packages.
OFFLINE ?=
# Pinned tools, installed into $(BIN) by `make tools`. BIN is relative to the
# checkout, so that a checkout path with a space in it works.
BIN ?= bin
DIVE_VERSION ?= v0.13.1
HADOLINT_VERSION ?= 2.14.0
ACTIONLINT_VERSION ?= v1.7.12
GO ?= go
DOCKER ?= docker

# Every recipe line is one command, or commands joined by && and ||, so that
# it fails when a command fails under any make and shell: GNU Make 3.81
# (macOS) ignores .SHELLFLAGS. scripts/setup holds the logic.
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

# The steps are the NN-name directories that hold a Dockerfile.
ALL_STEPS := $(patsubst %/Dockerfile,%,$(wildcard [0-9][0-9]-*/Dockerfile))
SETUP := "$(BIN)/setup"
WORKFLOWS := $(wildcard .github/workflows/*.yml .github/workflows/*.yaml)

export IMAGE OFFLINE BIN DIVE_VERSION HADOLINT_VERSION ACTIONLINT_VERSION STEPS GO DOCKER

##@ Workshop

.PHONY: help
help: ## Show this list of targets.
	@awk 'BEGIN {FS = ":.*## "} \
	  /^##@/ {printf "\n%s\n", substr($$0, 5)} \
	  /^[a-zA-Z0-9_%-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@printf '\nSteps: %s\n' "$(ALL_STEPS)"

.PHONY: prepare
prepare: all $(BIN)/setup ## Before the workshop, at home: get the base images, dive and hadolint, build every step, and say how much disk it took.
	@$(SETUP) tools dive hadolint
	@$(SETUP) ready

.PHONY: all
all: $(addprefix build-,$(ALL_STEPS)) ## Build every step's image, tagged IMAGE:step (01-single-stage … 04-scratch-static).

.PHONY: $(addprefix build-,$(ALL_STEPS))
$(addprefix build-,$(ALL_STEPS)): build-%: bases buildx
	$(DOCKER) buildx build --load --network=$(BUILD_NETWORK)$(if $(PLATFORM), --platform=$(PLATFORM)) $(DOCKER_BUILD_FLAGS) -f $*/Dockerfile -t $(IMAGE):$* .

# Any other build-NAME says why NAME is not a step, before touching Docker.
build-%: ## Build one step, e.g. make build-04-scratch-static.
	@echo "make: $(if $(wildcard $*/main.go),$*/Dockerfile is missing: restore it (git checkout -- $*/Dockerfile),unknown step '$*': choose from $(ALL_STEPS))" >&2; exit 2

.PHONY: run
run: $(BIN)/setup ## Serve one step on http://127.0.0.1:8080 (make run STEP=02-multi-stage PORT=8081); Ctrl-C stops it.
	@test -f "$(STEP)/Dockerfile" || { echo "make: unknown STEP '$(STEP)': choose from $(ALL_STEPS)" >&2; exit 2; }
	@$(SETUP) preflight
	@$(DOCKER) image inspect $(IMAGE):$(STEP) >/dev/null 2>&1 || { echo "make: image $(IMAGE):$(STEP) is missing: run make all (or make build-$(STEP))" >&2; exit 1; }
	$(DOCKER) run --rm --label lean-go-images.managed=true $(RUN_FLAGS) -e PORT=$(PORT) \
	  --read-only --cap-drop ALL --security-opt no-new-privileges $(IMAGE):$(STEP)

.PHONY: explore
explore: $(BIN)/setup ## Open dive on one step's image to see where its bytes are (make explore STEP=01-single-stage); Ctrl-C quits.
	@$(SETUP) tools dive
	@$(SETUP) explore "$(STEP)"

.PHONY: report
# With `make all report`, even under -j2, measure only once the builds are done.
report: $(BIN)/setup $(BIN)/report | $(filter all,$(MAKECMDGOALS)) ## Measure every built image; write RESULTS.md, results.json, results.svg, the READMEs' tables and the lessons' figures (OUT=dir: only the first three, there).
	@$(SETUP) tools dive hadolint
	@"$(BIN)/report" -image $(IMAGE) -dive "$(BIN)/dive" -hadolint "$(BIN)/hadolint" -out "$(OUT)"

.PHONY: budget
budget: $(BIN)/setup $(BIN)/report | $(filter all e2e,$(MAKECMDGOALS)) ## Check every built image against its budget: size-budgets.txt and each step's .dive-ci.
	@$(SETUP) tools dive
	@"$(BIN)/report" -budget -image $(IMAGE) -dive "$(BIN)/dive"

##@ Quality

.PHONY: test
test: vet unit lint e2e budget ## Run everything CI runs: vet, unit tests, lint, end-to-end tests on the real images, and their budgets.

.PHONY: vet
vet: ## Run go vet on all Go code, end-to-end tests included.
	$(GO) vet -tags e2e ./...

.PHONY: unit
unit: ## Run the Go unit tests (no Docker needed).
	$(GO) test -count=1 ./...

.PHONY: lint
lint: $(BIN)/setup ## Lint the Dockerfiles with hadolint, the shell scripts with shellcheck, and the workflows with actionlint.
	@$(SETUP) tools hadolint shellcheck actionlint
	"$(BIN)/hadolint" $(addsuffix /Dockerfile,$(ALL_STEPS))
	"$(BIN)/shellcheck" scripts/*.sh .ci/run
	$(if $(WORKFLOWS),"$(BIN)/actionlint" $(WORKFLOWS))

.PHONY: e2e
e2e: $(BIN)/setup ## Build every image with no network, then run and measure them end to end.
	$(MAKE) all BUILD_NETWORK=none
	@$(SETUP) tools dive hadolint
	$(GO) test -count=1 -v -tags e2e -timeout 15m $(E2E_FLAGS) ./scripts/e2e/

##@ Setup

.PHONY: tools
tools: $(BIN)/setup ## Install the pinned dive, hadolint and actionlint into ./bin (no root needed), and check for shellcheck.
	@$(SETUP) tools dive hadolint actionlint shellcheck

.PHONY: bases
bases: $(BIN)/setup ## Make sure every base image exists: local, else pulled, else built offline.
	@$(SETUP) bases

.PHONY: buildx
buildx: $(BIN)/setup ## Check that Docker can build with BuildKit (the buildx plugin).
	@$(SETUP) preflight -buildx

.PHONY: offline-bases
offline-bases: $(BIN)/setup ## Build the missing base images from Debian packages, as look-alikes tagged with the upstream names (Linux, root).
	@OFFLINE=1 $(SETUP) bases

# The project's own Go commands, built into $(BIN); go build is quick when
# nothing changed, and a built command fails with its own line only.
GO_CMDS := setup report
.PHONY: $(addprefix $(BIN)/,$(GO_CMDS))
$(addprefix $(BIN)/,$(GO_CMDS)): $(BIN)/%:
	@command -v "$(GO)" >/dev/null 2>&1 || { echo "make: $(GO) not found: install Go 1.26 or later (https://go.dev/doc/install), or set GO=/path/to/go" >&2; exit 2; }
	@$(GO) build -o "$@" ./scripts/$*

.PHONY: clean
clean: $(BIN)/setup ## Remove this project's images and containers (found by label), and nothing else.
	@$(SETUP) clean

.PHONY: clean-containers
clean-containers: $(BIN)/setup ## Remove containers the tooling started and left behind (found by label).
	@$(SETUP) clean -containers

.PHONY: clean-bases
clean-bases: $(BIN)/setup ## Remove the base images that offline-bases built (found by label).
	@$(SETUP) clean -bases
