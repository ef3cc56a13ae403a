# The two commands a newcomer needs:  make run  and  make test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: install run test lint docs examples clean mutation

$(BIN)/depvault: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	@touch $@

install: $(BIN)/depvault

# Install and start the server on its embedded defaults (SQLite in ./depvault-data,
# one worker process beside the API, http://127.0.0.1:8080/api/v1.3). The first start prints the
# bootstrap tokens and the administrator's key once. Another port: make run PORT=9000
PORT ?=
run: install
	$(BIN)/depvault serve $(if $(PORT),--port $(PORT))

# Install and run the whole test suite (lint, types, tests on SQLite and, when it
# answers, PostgreSQL; DEPVAULT_REQUIRE_POSTGRES=1 makes PostgreSQL mandatory).
test: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 -q

docs: install
	$(BIN)/python scripts/gen_docs.py

# Mutation testing (docs/testing.md): mutmut changes the code one small step at a time
# and runs the unit tests against each change; a change no test notices is printed.
# A habit, not a gate, and slow (about 20 minutes on two busy cores): not part of `test`.
# Another selection: make mutation MUTANTS='depvault.domain.*'
MUTANTS ?= depvault.domain.access.* depvault.domain.osv.ranges.* \
           depvault.domain.policies.* depvault.api.validation.*
mutation: install
	rm -rf mutants
	$(BIN)/mutmut run --max-children 2 $(foreach m,$(MUTANTS),'$(m)')
	$(BIN)/python scripts/mutation_report.py

# Record the API reference's examples from a real run of the functional tests (SQLite),
# then regenerate the docs from them (src/depvault/api_examples.json, docs/api/).
examples: install
	rm -rf .examples && mkdir .examples
	DEPVAULT_RECORD_EXAMPLES=$(CURDIR)/.examples $(BIN)/pytest -n 2 -q tests/functional \
		-k "not postgres and not test_cli and not wheel"
	$(BIN)/python scripts/gen_docs.py --merge-examples .examples

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .examples mutants
