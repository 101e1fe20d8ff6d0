package tapegrad_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
)

// TestREADMEListsEveryOp: the README's op table has a row for every entry
// of the op table, with its rule text, so the documentation cannot drift
// from the code (as a prose copy of the rules once did).
func TestREADMEListsEveryOp(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, o := range autograd.Ops() {
		row := "| `" + o.Name + "` | " + strings.ReplaceAll(o.Rule, "|", `\|`) + " |"
		if !strings.Contains(readme, row) {
			t.Errorf("README.md lacks the op table row %s", row)
		}
	}
}
