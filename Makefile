# The two commands a newcomer needs:  make demo   and   make test
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: env demo test app benchmark clean

env:            ## create/refresh .venv with the full stack (cached mmcv build; seconds when done)
	bash tools/setup_env.sh

demo: env       ## the main job on the embedded default (SynthGym), outputs in work_dirs/demo
	$(PY) tools/demo.py --work-dir work_dirs/demo

test: env       ## the test suite (both cores; idle workers take queued tests from the busy one)
	$(PY) -m pytest -n 2 --dist worksteal -q tests

app: env        ## the web app on http://127.0.0.1:7860 (make demo's models; docs/app.md)
	$(PY) tools/app.py

benchmark: env  ## SynthGym generation speed vs training consumption
	$(PY) tools/analysis_tools/benchmark_synthgym.py

clean:
	rm -rf work_dirs .pytest_cache
