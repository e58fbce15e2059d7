# Lindung: `make run` serves the API on http://127.0.0.1:8000, `make test` runs every test.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
ROLE ?= admin
VILLAGES ?=
STAMP := $(VENV)/.installed

.PHONY: run test token install lint unit integration clean package deploy sms-settings seed-regions fuzz test-localstack

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	@test -x $(PY) || { echo "Creating $(VENV) with: $$(./devtools/pick-python.sh)"; $$(./devtools/pick-python.sh) -m venv $(VENV); }
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt -c constraints.txt
	@touch $@

install: $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(PY) -m devtools.run

token: $(STAMP)
	@$(PY) -m devtools.tokens --role $(ROLE) --villages "$(VILLAGES)"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/cfn-lint infra/*.yaml

unit: $(STAMP)
	$(PY) -m pytest -q tests/unit

integration: $(STAMP)
	$(PY) -m pytest -q tests/integration

test: $(STAMP) lint
	$(PY) -m pytest -q -m "not fuzz" tests

# schemathesis over every route of /v1/openapi.json on the local stack, >= 1,000 cases (CI runs it)
fuzz: $(STAMP)
	$(PY) -m pytest -q -m fuzz -s tests/integration/test_fuzz_openapi.py

# The integration suite against LocalStack (SQS/SNS/SES/S3/CloudFormation) with DynamoDB on moto;
# says SKIPPED and why when LocalStack cannot be set up here (devtools/localstack_lane.py).
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

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build
