# Harbor: the targets are the interface. `make demo` and `make test` need only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Where `make demo` and `make serve` listen: `make demo PORT=8001` when 8000 is taken.
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in messages point at the server actually running (unless HARBOR_SITE_URL is set).
HARBOR_SITE_URL ?= http://$(HOST):$(PORT)
SERVE := HARBOR_SITE_URL=$(HARBOR_SITE_URL) $(PY) manage.py serve_embedded --addr $(HOST) --port $(PORT)

.PHONY: install demo serve test fuzz bench bench-smoke lint format messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install Harbor with its dev tools

demo: install ## Migrate, seed demo data and serve Harbor with its worker (embedded mode); PORT=8001 HOST=... to move it
	$(SERVE) --check-port
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(SERVE)

serve: install ## Serve Harbor with its worker and beat (embedded mode) on the data already there; PORT= and HOST= as for demo
	$(SERVE)

test: install ## Run the whole suite (SQLite by default; set DATABASE_URL/REDIS_URL for PostgreSQL/Redis)
	$(PY) -m pytest

FUZZ_EXAMPLES ?= 60
fuzz: install ## Fuzz the API from its schema as three personas, FUZZ_EXAMPLES random requests per operation
	HARBOR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/fuzz

# The benchmarks write to databases of their own, one per scale, beside DATABASE_URL's:
# harbor_bench_smoke, harbor_bench_20k, ... (SQLite files in .data/ without DATABASE_URL).
# The two smoke scales are generated side by side (one per core); their reports follow.
BENCH_LOG ?= $(or $(HARBOR_DATA_DIR),.data)/bench
bench-smoke: install ## Query counts at two small scales must be equal (SQLite, or DATABASE_URL's server)
	@mkdir -p $(dir $(BENCH_LOG))
	$(PY) -m bench.generate --scale smoke > $(BENCH_LOG)-smoke.log & \
	$(PY) -m bench.generate --scale smoke3 > $(BENCH_LOG)-smoke3.log; \
	status=$$?; wait $$! || status=1; cat $(BENCH_LOG)-smoke.log $(BENCH_LOG)-smoke3.log; exit $$status
	$(PY) -m bench.query_counts --scales smoke smoke3

bench: install ## 20k and 200k cases on PostgreSQL (DATABASE_URL=postgres://...; BENCHMARKS.md): query counts
	@case "$(DATABASE_URL)" in postgres*) ;; *) echo "make bench needs DATABASE_URL=postgres://... (see BENCHMARKS.md)"; exit 2;; esac
	$(PY) -m bench.generate --scale 20k
	$(PY) -m bench.generate --scale 200k
	$(PY) -m bench.query_counts --scales 20k 200k
	$(PY) -m bench.permission_sync --scales 20k 200k
	$(PY) -m bench.sweep --copy-of 200k
	$(PY) -m bench.delivery --messages 100000
	$(PY) -m bench.access_log --clients 8 32
	@command -v wrk >/dev/null || { echo "make bench needs wrk for latency: apt-get install -y wrk"; exit 2; }
	$(PY) -m bench.http --scales 20k 200k

lint: install ## ruff, formatting, import layers, Django checks, missing migrations, schema warnings
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

format: install ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install ## Refresh the Spanish catalogue from the code and compile it (needs GNU gettext)
	$(PY) manage.py makemessages -l es --no-obsolete --ignore='tests/*' --ignore='bench/*'
	$(PY) manage.py compilemessages -l es --ignore='.venv/*'

clean: ## Remove the virtualenv and the embedded data folder
	rm -rf $(VENV) .data
