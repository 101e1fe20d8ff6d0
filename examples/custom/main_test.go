package main

import (
	"io"
	"testing"
)

func TestCustomExample(t *testing.T) {
	losses, err := run(io.Discard, 60, "")
	if err != nil {
		t.Fatal(err)
	}
	if !(losses[1] < losses[0]) {
		t.Errorf("loss did not fall: %v → %v", losses[0], losses[1])
	}
}
