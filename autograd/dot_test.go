package autograd_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/tapegrad/tapegrad/autograd"
)

func TestDOT(t *testing.T) {
	ps, f := mlp()
	tp := autograd.NewTape()
	loss := f(tp)
	tp.Backward(loss)
	for _, c := range []struct {
		name string
		opts autograd.DOTOptions
		want []string
	}{
		{"structure", autograd.DOTOptions{}, nil},
		{"from loss", autograd.DOTOptions{Out: loss, Name: "mlp"}, []string{`digraph "mlp" {`}},
		{"values and grads", autograd.DOTOptions{Values: true, Grads: true},
			[]string{`value [[0.1 -0.2] [0.3 0.4]]`, `grad 1"`, `grad [-0.1114]`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := tp.DOT(&b, c.opts); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			want := append([]string{"digraph", "n1 -> n2", "n5 -> n6", "p0 -> n1", "}\n"}, c.want...)
			for _, op := range []string{"matmul", "add", "sigmoid", "sub", "square", "sum", "scale"} {
				want = append(want, " "+op+`\n`)
			}
			for _, p := range ps {
				want = append(want, `label="`+p.Name()+`\n`)
			}
			for _, s := range want {
				if !strings.Contains(out, s) {
					t.Errorf("DOT lacks %q:\n%s", s, out)
				}
			}
			// plausible DOT: balanced braces, every statement line ends in ';'
			if strings.Count(out, "{") != strings.Count(out, "}") {
				t.Errorf("unbalanced braces:\n%s", out)
			}
			stmt := regexp.MustCompile(`^  (\w+ -> \w+( \[.*\])?|\w+ \[.*\]|rankdir=LR|node \[.*\]);$`)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			for _, l := range lines[1 : len(lines)-1] {
				if !stmt.MatchString(l) {
					t.Errorf("not a DOT statement: %q", l)
				}
			}
			// backward's own constants are not drawn
			if n := strings.Count(out, "shape=plaintext"); n != 2 {
				t.Errorf("%d constants drawn, want the 2 of the forward pass:\n%s", n, out)
			}
		})
	}
	if err := tp.DOT(failWriter{}, autograd.DOTOptions{}); !errors.Is(err, errWrite) {
		t.Errorf("got error %v, want %v", err, errWrite)
	}
}
