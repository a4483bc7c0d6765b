# The two commands a new user needs: `make demo` and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint bench clean fonts

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# the PDF report needs a CJK font for Chinese; install one where we may, else say so
fonts:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-wqy-zenhei >/dev/null; \
	  else echo "note: no Chinese font found; install fonts-noto-cjk or fonts-wqy-zenhei for Chinese PDF reports"; fi; }

demo: $(STAMP) fonts
	$(BIN)/qloop demo
	$(BIN)/qloop status
	$(BIN)/qloop serve

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint fonts
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/import_units.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .ruff_cache
