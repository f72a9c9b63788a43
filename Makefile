# The two commands a newcomer needs:  make demo   and   make test
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: env demo test benchmark clean

env:            ## create/refresh .venv with the full stack (cached mmcv build; seconds when done)
	bash tools/setup_env.sh

demo: env       ## the main job on the embedded default (SynthGym), outputs in work_dirs/demo
	$(PY) tools/demo.py --work-dir work_dirs/demo

test: env       ## the test suite (both cores)
	$(PY) -m pytest -n 2 -q tests

benchmark: env  ## SynthGym generation speed vs training consumption
	$(PY) tools/analysis_tools/benchmark_synthgym.py

clean:
	rm -rf work_dirs .pytest_cache
