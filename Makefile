# The two commands a newcomer needs (see README.md). Both install what is missing first.
.PHONY: run test lint bench install serve

install:
	./scripts/bootstrap.sh

run: install
	./scripts/run.sh

serve: install
	./scripts/serve.sh

# The default suite takes minutes; ALL=1 adds the tests marked slow (multi-node clusters,
# every lab's answers on real servers, the production profile), about an hour on 2 cores.
# CI runs `make test ALL=1` (.ci/run).
test:
	WANT_BROWSER=1 ./scripts/bootstrap.sh
	.venv/bin/ruff check .
	DJANGO_SETTINGS_MODULE=apps.config.settings.test .venv/bin/python manage.py makemigrations --check --dry-run
	.venv/bin/python -m pytest $(if $(ALL),,-m "not slow") $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .

bench: install
	.venv/bin/python -m labs bench
