# The two commands a newcomer needs (see README.md). Both install what is missing first.
.PHONY: run test lint bench install serve

install:
	./scripts/bootstrap.sh

run: install
	./scripts/run.sh

serve: install
	./scripts/serve.sh

test:
	WANT_BROWSER=1 ./scripts/bootstrap.sh
	.venv/bin/ruff check .
	DJANGO_SETTINGS_MODULE=apps.config.settings.test .venv/bin/python manage.py makemigrations --check --dry-run
	.venv/bin/python -m pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .

bench: install
	.venv/bin/python -m labs bench
