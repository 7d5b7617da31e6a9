# The two commands: `make run` (set up, build, run the main job) and `make test` (set up, build,
# run every check CI runs). Set-up installs only what is missing, so re-runs cost seconds.

PYTHON   ?= python3
VENV     := .venv
TORCH    := $(VENV)/.torch-installed
EXPORT   := $(VENV)/.export-installed
LIBTORCH := .libtorch
FMNIST   := /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
CHROMIUM := /usr/bin/chromium
NVIM     := /usr/bin/nvim
NPM      := /usr/bin/npm
LIBSSL   := /usr/include/openssl/ssl.h
CARGO    ?= cargo
NAS      := target/release/nas

.PHONY: run test setup build lint fmt doctor clean-venv postgresql

# The quickstart search (under 10 minutes on 2 CPU cores); run again, it continues or replays
# its trial store (runs/quickstart-evolution.jsonl) instead of starting over.
run: build
	$(NAS) run scripts/quickstart.nas --resume

test: setup $(CHROMIUM) $(NVIM) $(NPM) postgresql
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --all-targets -- -D warnings
	$(CARGO) test --release

setup: $(LIBTORCH)/lib/libtorch.so $(EXPORT) $(FMNIST) $(LIBSSL)

build: setup
	$(CARGO) build --release

doctor: build
	$(NAS) doctor

# torch==2.11.0 from PyPI into the project's own virtual environment (about 4.6 GB).
$(TORCH): requirements-torch.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-torch.txt
	touch $@

# onnx and onnxruntime from PyPI, with which the test of `nas export` runs an exported model.
$(EXPORT): requirements-export.txt $(TORCH)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements-export.txt
	touch $@

# `.libtorch` points at the wheel's torch/ folder; .cargo/config.toml hands it to torch-sys.
$(LIBTORCH)/lib/libtorch.so: $(TORCH)
	ln -sfn "$$(cd $(VENV) && pwd)/$$(cd $(VENV) && ls -d lib/python3*/site-packages/torch | head -n 1)" $(LIBTORCH)
	test -f $@

# Fashion-MNIST's IDX files from Debian's package.
$(FMNIST):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq dataset-fashion-mnist

# Headless Chromium from Debian's package: the test of `nas report` screenshots its page.
$(CHROMIUM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium

# Neovim from Debian's package: tests/editor_neovim.rs runs editors/neovim/nas.lua in it
# against `nas lsp`.
$(NVIM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq neovim

# Node.js and npm from Debian's packages: tests/editor_vscode.rs builds the VS Code extension
# with npm and runs its protocol check against `nas lsp`.
$(NPM):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq npm

# OpenSSL's headers and pkg-config from Debian's packages: the PostgreSQL store's TLS
# (`sslmode=require`, `verify-full`) links libssl through the openssl crate.
$(LIBSSL):
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libssl-dev pkg-config

# PostgreSQL from Debian's package: the tests of the database trial store start a throwaway
# server with its initdb and pg_ctl (none runs as a service).
postgresql:
	if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq postgresql

clean-venv:
	rm -rf $(VENV) $(LIBTORCH)
