# Harbor: the targets are the interface. `make demo` and `make test` need only Python 3.11+.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo serve test fuzz lint format messages clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## Create the virtualenv and install Harbor with its dev tools

demo: install ## Migrate, seed demo data and serve Harbor with its worker (embedded mode)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py serve_embedded

serve: install ## Serve Harbor with its worker and beat (embedded mode) on the data already there
	$(PY) manage.py serve_embedded

test: install ## Run the whole suite (SQLite by default; set DATABASE_URL/REDIS_URL for PostgreSQL/Redis)
	$(PY) -m pytest

FUZZ_EXAMPLES ?= 60
fuzz: install ## Fuzz the API from its schema as three personas, FUZZ_EXAMPLES random requests per operation
	HARBOR_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest tests/fuzz

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
