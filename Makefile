# One word for each thing a contributor does. `make check` is what CI runs.

.PHONY: check test run bench fmt

check:
	bash .ci/run

test:
	go test ./...

run:
	go run ./cmd/newsbot run

bench:
	go test -run '^$$' -bench . -benchmem ./...

fmt:
	gofmt -w $$(git ls-files '*.go')
