# Lindung: `make run` serves the API on http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ROLE ?= admin
VILLAGES ?=
STAMP := $(VENV)/.installed
ADMIN_STAMP := admin/vendor/.installed
# The interpreter .venv is built with: 3.12 (Lambda runtime) where present, else python3.
PYTHON_CMD ?= $(shell ./devtools/pick-python.sh)

.PHONY: test-eventual run test test-py311 token install lint unit integration e2e admin browser clean package deploy sms-settings seed-regions fuzz test-localstack bench bench-sweep field-test field-icons field-bench

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || { echo "Creating $(VENV) with: $(PYTHON_CMD)"; $(PYTHON_CMD) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(STAMP)

# The web admin's libraries: npm ci from the committed lock file, their dist files copied to
# admin/vendor/ (gitignored) and served as they are; there is no bundler.
$(ADMIN_STAMP): admin/package.json admin/package-lock.json
	cd admin && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -rf admin/vendor && mkdir -p admin/vendor
	cp admin/node_modules/tabulator-tables/dist/js/tabulator_esm.min.mjs admin/vendor/tabulator.mjs
	cp admin/node_modules/tabulator-tables/dist/css/tabulator_simple.min.css admin/vendor/tabulator.css
	cp admin/node_modules/tabulator-tables/LICENSE admin/vendor/tabulator.LICENSE.txt
	cp admin/node_modules/chart.js/dist/chart.umd.min.js admin/vendor/chart.umd.js
	cp admin/node_modules/chart.js/LICENSE.md admin/vendor/chart.LICENSE.md
	cp admin/node_modules/@json-editor/json-editor/dist/jsoneditor.js admin/vendor/jsoneditor.js
	cp admin/node_modules/@json-editor/json-editor/LICENSE admin/vendor/jsoneditor.LICENSE.txt
	@touch $@

admin: $(ADMIN_STAMP)

# The field officers' app (field/, served at /field/) has no npm dependencies: plain ES modules,
# its own small IndexedDB and service-worker code, served as they are. Its JavaScript tests run on
# node's built-in runner (also inside `make test`: tests/unit/test_field_js.py).
field-test:
	node --test tests/js/

field-icons: $(STAMP)
	$(PY) -m devtools.field_icons

# The field app's budgets, once, in Chromium: shell size, slow 3G first load, offline reopen and
# search over a 3,000 roster, requests of a full pull (see README "Field app"; ~8 min on the emulator).
field-bench: $(STAMP) $(ADMIN_STAMP)
	$(PY) -m bench.field_app 3000

# Debian's Chromium for the e2e tests (never a downloaded browser build). Without it they skip on
# a developer's machine and say so; with CI=true a missing Chromium fails here, naming it.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
	  || { case "$${CI:-}" in true|1|yes) echo "Chromium is missing and could not be installed (apt-get install chromium): CI=true needs it for the e2e tests" >&2; exit 1;; \
	       *) echo "Chromium could not be installed: the e2e tests will be skipped (with CI=true this fails)";; esac; }

run: $(STAMP) $(ADMIN_STAMP)
	LINDUNG_STAGE=local PORT=$(PORT) $(PY) -m devtools.run

token: $(STAMP)
	@LINDUNG_STAGE=local $(PY) -m devtools.tokens --role $(ROLE) --villages "$(VILLAGES)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint infra/*.yaml

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

e2e: $(STAMP) $(ADMIN_STAMP) browser
	$(PY) -m pytest -q tests/e2e

test: $(STAMP) $(ADMIN_STAMP) browser lint
	$(PY) -m pytest -q -m "not fuzz" tests

# schemathesis over every route of /v1/openapi.json on the local stack, >= 1,000 cases (CI runs it)
fuzz: $(STAMP)
	$(PY) -m pytest -q -m fuzz -s tests/integration/test_fuzz_openapi.py

# The integration suite on an emulator whose GSIs lag their table by 1 s, as DynamoDB's are
# eventually consistent (devtools/moto_server.py, LINDUNG_GSI_DELAY_SECONDS).
test-eventual: $(STAMP)
	LINDUNG_GSI_DELAY_SECONDS=1 LINDUNG_INDEX_SETTLE_SECONDS=2 $(PY) -m pytest -q -m "not fuzz" tests/integration

# The integration suite against LocalStack (SQS/SNS/SES/S3/CloudFormation) with DynamoDB on moto;
# says SKIPPED and why when LocalStack cannot be set up here; with CI=true that fails instead
# (devtools/localstack_lane.py).
test-localstack: $(STAMP)
	$(PY) -m devtools.localstack_lane

# ---- AWS: `make package` needs no AWS account; deploy/sms-settings/seed-regions use your credentials.
STAGE ?= dev
STACK ?= lindung-$(STAGE)
PARAMS ?=

package: $(STAMP) lint
	$(PY) -m devtools.infra merge --stage $(STAGE) --out build/infra-$(STAGE).json
	rm -rf build/$(STAGE)
	AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-ap-southeast-3} $(VENV)/bin/chalice package --stage $(STAGE) --merge-template build/infra-$(STAGE).json build/$(STAGE)
	$(PY) -m devtools.package slim build/$(STAGE)/deployment.zip  # boto3/botocore & co. come with the Lambda runtime
	$(VENV)/bin/cfn-lint build/$(STAGE)/sam.json  # the deployable template itself, SAM resources included
	@echo "artifact: build/$(STAGE)/sam.json + deployment.zip"

deploy: package
	@test -n "$(BUCKET)" || { echo "BUCKET=<an S3 bucket of yours for the code artifact> is required"; exit 1; }
	aws cloudformation package --template-file build/$(STAGE)/sam.json --s3-bucket $(BUCKET) \
	  --output-template-file build/$(STAGE)/packaged.yaml
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.yaml --stack-name $(STACK) \
	  --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND $(if $(PARAMS),--parameter-overrides $(PARAMS))

sms-settings: $(STAMP)
	$(PY) -m devtools.sms_settings --stage $(STAGE) --stack $(STACK)

seed-regions: $(STAMP)
	LINDUNG_TABLE_PREFIX=lindung-$(STAGE) $(PY) -c 'from chalicelib.services import reference; print(reference.seed_regions(), "regions")'

# The same suite on the machine's default python3 (3.11 here): the code must run on both.
test-py311:
	$(MAKE) test VENV=.venv-py311 PYTHON_CMD=python3

clean:
	rm -rf $(VENV) .venv-py311 .pytest_cache .ruff_cache admin/node_modules admin/vendor test-artifacts build

# Benchmarks at the seed's scale on the emulator, printed as ratios from one run (about 20 min).
bench: $(STAMP)
	$(PY) -m bench.run $(BENCH_ARGS)

# The reminder sweep through the running stack against SNS's SMS rate (bench/sweep.py); DUE=26775 takes
# at least DUE/RATE seconds (22 min at 20/s), the floor it is printed against.
bench-sweep: $(STAMP)
	$(PY) -m bench.sweep --due $(or $(DUE),26775) --rate $(or $(RATE),20)
