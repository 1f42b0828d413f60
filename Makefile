.PHONY: setup demo test down

setup:
	bash deploy/scripts/setup.sh

demo: setup
	.venv/bin/vigie demo

test:
	bash deploy/scripts/test.sh

down:
	.venv/bin/vigie stack down
