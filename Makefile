# insertion — every command a developer or CI needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
HOST ?= 127.0.0.1
PORT ?= 8000

# The test suite runs against real PostgreSQL and Redis on localhost.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/insertion
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# The benchmark's own database, loaded once with the national data set.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/insertion_bench
# The Redis database of the synthesis delivery measure, flushed before and after.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/10
# The import measures' own database, emptied at each run: their 190 establishments and 85,000
# people never mix with the national data set above. Their stored files go under bench-output/.
BENCH_IMPORT_DB ?= insertion_bench_import
BENCH_IMPORT_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_IMPORT_DB)

.PHONY: help install system-deps pdf-deps services run test bench bench-import lint format clean

help:
	@echo "make run      – installe, migre, charge la démo et lance l'application"
	@echo "make test     – installe ce qu'il faut et lance toute la suite (PostgreSQL et Redis locaux)"
	@echo "make bench    – temps des pages, rendu et envoi des synthèses, sur le jeu de données national,"
	@echo "                puis imports d'une extraction nationale (make bench-import seul)"
	@echo "make lint     – ruff, contrat des dépendances (import-linter), djlint, migrations à jour"
	@echo "make install  – environnement virtuel avec les dépendances d'exécution et de test"

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# The lock files pin every version with its hash; `uv pip sync` installs exactly them.
$(VENV)/.installed: requirements-dev.lock | $(BIN)/uv
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements-dev.lock
	touch $@

install: $(VENV)/.installed

# Debian packages: WeasyPrint needs Pango and HarfBuzz-Subset to render the PDFs (without the
# latter it falls back to fontTools, slower, with a warning per font); the tests also need
# chromium (browser tests) and poppler-utils (PDF checks). Installed when missing, as root.
PDF_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
missing_debs = missing=""; \
	ldconfig -p | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	ldconfig -p | grep -q libpango-1.0 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"

system-deps:
	@$(missing_debs); \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  echo "Installation des paquets Debian :$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "Lancez en root ou installez :$$missing" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# `make run` installs what the PDFs need when it can; otherwise it says so once and goes on.
pdf-deps:
	@$(missing_debs); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installation des paquets Debian :$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Les PDF seront plus lents à produire : installez$$missing (apt-get install, en root)."; \
	  fi; \
	fi

# PostgreSQL and Redis must answer on localhost; started here if the machine has them stopped.
services:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "Démarrage de PostgreSQL"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	fi
	@if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then \
	  echo "Démarrage de Redis"; \
	  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
	    --dir /var/lib/redis --logfile /var/log/redis/ci.log; \
	fi
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	pg_isready -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 -p 6379 ping

run: install pdf-deps
	@export DJANGO_DEBUG=$${DJANGO_DEBUG:-1}; \
	$(BIN)/python manage.py migrate --noinput && \
	$(BIN)/python manage.py seed_demo --if-empty && \
	$(BIN)/python manage.py refresh_statistics && \
	$(BIN)/python manage.py demo_banner --url http://$(HOST):$(PORT)/ && \
	if [ -n "$$REDIS_URL" ]; then \
	  $(BIN)/celery -A insertion worker --loglevel=INFO & worker=$$!; \
	  $(BIN)/celery -A insertion beat --loglevel=INFO --schedule=$(VENV)/celerybeat-schedule & beat=$$!; \
	  trap 'kill $$worker $$beat 2>/dev/null' EXIT; \
	fi; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install system-deps services
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(BIN)/pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Loads the national data set once (three to five minutes on two cores), then measures with DEBUG
# off, saying on stderr what it measures and since when. The synthesis delivery is measured with
# a worker of 1 then 2 processes, each started with its own SMTP server (Redis needed). Then the
# import measures (bench-import below).
bench: install services pdf-deps
	@psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'insertion_bench'" | grep -q 1 \
	  || createdb -h 127.0.0.1 -U postgres insertion_bench
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo --scale national --if-empty \
	  --timing-output bench-results.jsonl
	DATABASE_URL=$(BENCH_DATABASE_URL) DJANGO_DEBUG=1 $(BIN)/python manage.py refresh_statistics --if-empty
	DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) \
	  DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0 \
	  DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  $(BIN)/python manage.py bench $(BENCH_ARGS)
	@$(MAKE) --no-print-directory bench-import

# The import measures of issue 13 (insertion/bench/imports.py): 190 « présents à date » files,
# 85,000 fictional people, generated in a temporary folder, previewed then applied in-process
# (import_snapshot_85k: preview_s, apply_s, peak_mb = peak RSS, queries per row), then the same
# people extracted a day later (import_no_change). In their own database, created if missing,
# migrated and emptied (flush) at each run, so that running it again measures the same thing.
# BENCH_IMPORT_ARGS="--processes 2" applies with two processes; about ten minutes on two cores.
bench-import: install services
	@psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$(BENCH_IMPORT_DB)'" \
	  | grep -q 1 || createdb -h 127.0.0.1 -U postgres $(BENCH_IMPORT_DB)
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) DJANGO_DEBUG=1 $(BIN)/python manage.py flush --noinput
	rm -rf bench-output/import-files
	DATABASE_URL=$(BENCH_IMPORT_DATABASE_URL) PRIVATE_MEDIA_ROOT=$(CURDIR)/bench-output/import-files \
	  DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0 STATIC_MANIFEST=0 \
	  DJANGO_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  $(BIN)/python manage.py bench_import $(BENCH_IMPORT_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/djlint templates insertion entretiens --lint
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles test-output bench-output bench-results.jsonl db.sqlite3
