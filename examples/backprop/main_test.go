package main

import (
	"io"
	"strings"
	"testing"
)

func TestNarrate(t *testing.T) {
	var b strings.Builder
	if err := narrate(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"BP1", "BP2", "BP3", "BP4"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the explained backward pass does not mention %s:\n%s", want, b.String())
		}
	}
}

func TestBackpropExample(t *testing.T) {
	costs, err := run(io.Discard, 50, "")
	if err != nil {
		t.Fatal(err)
	}
	if !(costs[1] < costs[0]) {
		t.Errorf("cost did not fall: %v → %v", costs[0], costs[1])
	}
}
