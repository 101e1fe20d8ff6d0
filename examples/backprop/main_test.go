package main

import (
	"io"
	"testing"
)

func TestBackpropExample(t *testing.T) {
	costs, err := run(io.Discard, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !(costs[1] < costs[0]) {
		t.Errorf("cost did not fall: %v → %v", costs[0], costs[1])
	}
}
