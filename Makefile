# customer-sync-operator Makefile, after kubebuilder go/v4's layout.
# Every tool is built from a pinned Go module: nothing is downloaded as a
# prebuilt binary, so the targets work with only Go and the module proxy.

IMG ?= customer-sync-operator:dev
GO ?= go
# The envtest binaries (kube-apiserver, etcd) are built once into a cache
# outside the checkout; see hack/envtest/build.sh.
ENVTEST_BUILD := hack/envtest/build.sh
GO_TEST_FLAGS ?= -timeout 40m
# Flags shared by the Dockerfile and CI so both ship the same binary.
LDFLAGS ?= -s -w
BUILD_FLAGS := -trimpath -ldflags "$(LDFLAGS)"

CONTROLLER_GEN := $(GO) tool controller-gen

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-15s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: ## Generate CRDs and RBAC from the Go types and markers.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd paths="./..." output:crd:artifacts:config=config/crd/bases

.PHONY: generate
generate: ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run gofmt on the module.
	gofmt -l -w $$(git ls-files '*.go')

.PHONY: vet
vet: ## Run go vet.
	$(GO) vet ./...

.PHONY: verify
verify: ## Regenerate everything and fail if git shows a difference or gofmt would change a file.
	$(MAKE) manifests generate
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	@if [ -n "$$(git status --porcelain -- api config charts)" ]; then \
		echo "generated files are stale; run 'make manifests generate' and commit:"; \
		git status --porcelain -- api config charts; git diff --stat -- api config charts; exit 1; fi

.PHONY: envtest
envtest: ## Build (once, cached) the kube-apiserver and etcd binaries the tests run.
	@$(ENVTEST_BUILD) >/dev/null

.PHONY: test
test: vet envtest ## Run every test against a real API server and the simulators.
	KUBEBUILDER_ASSETS="$$($(ENVTEST_BUILD))" $(GO) test $(GO_TEST_FLAGS) ./...

.PHONY: test-race
test-race: envtest ## Run the tests with the race detector.
	KUBEBUILDER_ASSETS="$$($(ENVTEST_BUILD))" $(GO) test -race $(GO_TEST_FLAGS) ./...

##@ Build

.PHONY: build
build: ## Build the manager binary.
	CGO_ENABLED=0 $(GO) build $(BUILD_FLAGS) -o bin/manager ./cmd/manager

.PHONY: run
run: ## Run the operator against the current kubeconfig.
	$(GO) run ./cmd/manager

.PHONY: docker-build
docker-build: ## Build the container image (needs a Docker engine).
	docker build -t $(IMG) .

##@ Deployment

.PHONY: install
install: manifests ## Install the CRDs into the cluster of the current kubeconfig.
	kubectl apply --server-side -k config/crd

.PHONY: uninstall
uninstall: ## Remove the CRDs from the cluster of the current kubeconfig.
	kubectl delete --ignore-not-found -k config/crd
