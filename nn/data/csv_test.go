package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// gz returns s gzip-compressed.
func gz(t testing.TB, s []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// failingReader returns some bytes and then a non-format error.
type failingReader struct{ data []byte }

var errDisk = errors.New("disk on fire")

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, errDisk
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestParseMatrix(t *testing.T) {
	type matrix struct {
		Shape []int
		Data  []float64
	}
	tests := []struct {
		name string
		in   string
		sep  rune
		cols int
		want matrix
	}{
		{"comma", "1,2\n3,4\n", ',', 2, matrix{[]int{2, 2}, []float64{1, 2, 3, 4}}},
		{"infer cols", "1,2,3\n4,5,6", ',', 0, matrix{[]int{2, 3}, []float64{1, 2, 3, 4, 5, 6}}},
		{"spaces and tabs", " 1  2\t3 \n4 5 6\n", ' ', 3, matrix{[]int{2, 3}, []float64{1, 2, 3, 4, 5, 6}}},
		{"CRLF and blank lines", "\r\n1, 2\r\n\n  \n3 ,4\r\n\n", ',', 2, matrix{[]int{2, 2}, []float64{1, 2, 3, 4}}},
		{"exponents", "1.5e+02\n-2E-1\n", ' ', 1, matrix{[]int{2, 1}, []float64{150, -0.2}}},
		{"empty with cols", "", ',', 3, matrix{[]int{0, 3}, []float64{}}},
		{"empty inferred", "\n\n", ',', 0, matrix{[]int{0, 0}, []float64{}}},
	}
	for _, tt := range tests {
		for _, zip := range []bool{false, true} {
			name := tt.name
			in := []byte(tt.in)
			if zip {
				name += "/gzip"
				in = gz(t, in)
			}
			t.Run(name, func(t *testing.T) {
				m, err := ParseMatrix(bytes.NewReader(in), tt.sep, tt.cols)
				if err != nil {
					t.Fatalf("ParseMatrix: %v", err)
				}
				if diff := cmp.Diff(tt.want, matrix{m.Shape(), m.Data()}); diff != "" {
					t.Errorf("ParseMatrix mismatch (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestParseMatrixErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		sep     rune
		cols    int
		want    error  // sentinel the error must wrap
		mention string // substring the message must contain
	}{
		{"too few fields", []byte("1,2\n3\n"), ',', 2, ErrFormat, "line 2: 1 fields, want 2"},
		{"too many inferred", []byte("1,2\n3,4,5\n"), ',', 0, ErrFormat, "line 2: 3 fields, want 2"},
		{"not a number", []byte("1,x\n"), ',', 2, ErrFormat, `line 1, field 2: "x" is not a finite number`},
		{"empty field", []byte("1,,2\n"), ',', 3, ErrFormat, `field 2: "" is not`},
		{"NaN", []byte("NaN 1\n"), ' ', 2, ErrFormat, "not a finite number"},
		{"Inf", []byte("1 -Inf\n"), ' ', 2, ErrFormat, "not a finite number"},
		{"overflow", []byte("1e999\n"), ' ', 1, ErrFormat, "not a finite number"},
		{"line too long", []byte(strings.Repeat("1", maxLine+1)), ' ', 1, ErrFormat, "longer than"},
		{"truncated gzip", gz(t, []byte("1,2\n3,4\n"))[:20], ',', 2, ErrFormat, "unexpected EOF"},
		{"gzip checksum", func() []byte {
			b := gz(t, []byte("1,2\n3,4\n"))
			b[len(b)-8] ^= 0xff // CRC-32 of the trailer (RFC 1952)
			return b
		}(), ',', 2, ErrFormat, "checksum"},
		{"bad gzip header", []byte{0x1f, 0x8b, 0, 0}, ',', 2, ErrFormat, "gzip"},
		{"negative cols", []byte("1\n"), ',', -1, ErrArgument, "cols -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMatrix(bytes.NewReader(tt.in), tt.sep, tt.cols)
			if err == nil {
				t.Fatalf("ParseMatrix = %v, want an error", m)
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("ParseMatrix error = %q, want one wrapping %v and mentioning %q", err, tt.want, tt.mention)
			}
		})
	}
}

func TestParseReaderError(t *testing.T) {
	_, err := ParseMatrix(&failingReader{[]byte("1,2\n")}, ',', 2)
	if !errors.Is(err, errDisk) || errors.Is(err, ErrFormat) {
		t.Errorf("ParseMatrix on a failing reader = %v, want the reader's error and not ErrFormat", err)
	}
	_, err = ParseCSV(&failingReader{})
	if !errors.Is(err, errDisk) {
		t.Errorf("ParseCSV on a failing reader = %v, want the reader's error", err)
	}
}

func TestParseCSV(t *testing.T) {
	type result struct {
		Shape      []int
		X          []float64
		Labels     []int
		ClassNames []string
	}
	tests := []struct {
		name string
		in   string
		want result
	}{
		{"iris-like", "2,3,setosa,versicolor\n5.1,3.5,1.4,1\n4.9,3,1.4,0\n",
			result{[]int{2, 3}, []float64{5.1, 3.5, 1.4, 4.9, 3, 1.4}, []int{1, 0}, []string{"setosa", "versicolor"}}},
		{"spaces, CRLF, blank lines", "\n 1 , 2 , a \r\n\r\n 7 , 8 , 0 \r\n\n",
			result{[]int{1, 2}, []float64{7, 8}, []int{0}, []string{"a"}}},
		{"no rows", "0,4,a,b\n",
			result{[]int{0, 4}, []float64{}, []int{}, []string{"a", "b"}}},
	}
	for _, tt := range tests {
		for _, zip := range []bool{false, true} {
			name, in := tt.name, []byte(tt.in)
			if zip {
				name, in = name+"/gzip", gz(t, in)
			}
			t.Run(name, func(t *testing.T) {
				ds, err := ParseCSV(bytes.NewReader(in))
				if err != nil {
					t.Fatalf("ParseCSV: %v", err)
				}
				got := result{ds.X.Shape(), ds.X.Data(), ds.Labels, ds.ClassNames}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("ParseCSV mismatch (-want +got):\n%s", diff)
				}
				if err := ds.Validate(); err != nil {
					t.Errorf("ParseCSV result invalid: %v", err)
				}
			})
		}
	}
}

func TestParseCSVErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		mention string
	}{
		{"empty", "", "empty input"},
		{"blank", "\n \n", "empty input"},
		{"header too short", "150,4\n", "at least one class name"},
		{"header count not integer", "x,4,a\n", `sample count "x"`},
		{"header negative count", "-1,4,a\n", "sample count"},
		{"header zero features", "1,0,a\n", "feature count"},
		{"empty class name", "1,1,a,,b\n1,0\n", "class name 1 is empty"},
		{"fewer rows", "3,1,a\n1,0\n2,0\n", "announces 3 rows, input has 2"},
		{"more rows", "1,1,a\n1,0\n2,0\n", "line 3: more than the 1 rows"},
		{"row too short", "1,2,a\n1,0\n", "line 2: 2 fields, want 2 features"},
		{"row too long", "1,1,a\n1,2,0\n", "line 2: 3 fields"},
		{"feature not a number", "1,1,a\nx,0\n", `line 2, field 1: "x" is not a finite number`},
		{"label out of range", "1,1,a,b\n1,2\n", `line 2: label "2" is not a class index in [0, 2)`},
		{"negative label", "1,1,a\n1,-1\n", `label "-1"`},
		{"fractional label", "1,1,a,b\n1,0.5\n", `label "0.5"`},
		{"huge header count", "99999999999999,3,a\n1,2,3,0\n", "announces 99999999999999 rows, input has 1"},
		{"huge feature count", "1,99999999999999,a\n1,0\n", "want 99999999999999 features"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := ParseCSV(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("ParseCSV = %+v, want an error", ds)
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("ParseCSV error = %q, want one wrapping ErrFormat and mentioning %q", err, tt.mention)
			}
		})
	}
}

func TestSplitLabels(t *testing.T) {
	m, err := ParseMatrix(strings.NewReader("1,2,0\n3,4,9\n"), ',', 3)
	if err != nil {
		t.Fatal(err)
	}
	x, labels, err := splitLabels(m, 10)
	if err != nil {
		t.Fatalf("splitLabels: %v", err)
	}
	if diff := cmp.Diff([]any{[]int{2, 2}, []float64{1, 2, 3, 4}, []int{0, 9}}, []any{x.Shape(), x.Data(), labels}); diff != "" {
		t.Errorf("splitLabels mismatch (-want +got):\n%s", diff)
	}
	for _, in := range []string{"1,10\n", "1,-1\n", "1,0.5\n", "1\n"} {
		m, err := ParseMatrix(strings.NewReader(in), ',', 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := splitLabels(m, 10); !errors.Is(err, ErrFormat) {
			t.Errorf("splitLabels(%q) = %v, want ErrFormat", in, err)
		}
	}
}

// FuzzParseCSV feeds arbitrary bytes to every text parser: none may panic,
// and whatever they accept must be a consistent table.
func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"150,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n",
		"2,3,a,b\n1,2,3,1\n4,5,6,0\n",
		"0,1,a\n",
		"1,1,a\n1e308,0\n",
		"59 2 32.1 101.0 157 93.2 38.0 4.0 4.8598 87\n",
		"1.510000000000000000e+02\n",
		"0,0,5,13,9,1,0,0,0\r\n\r\n",
		"3,1,a\n1,0\n",
		"1,1,a,,b\n",
		"NaN,Inf\n",
		"99999999999999,99999999999999,a\n",
	} {
		f.Add([]byte(s))
	}
	f.Add(gz(f, []byte("2,1,x\n1,0\n2,0\n")))
	f.Add(gz(f, []byte("1 2\n3 4\n"))[:15])
	f.Fuzz(func(t *testing.T, in []byte) {
		if ds, err := ParseCSV(bytes.NewReader(in)); err == nil {
			if err := ds.Validate(); err != nil {
				t.Fatalf("ParseCSV(%q) accepted an invalid dataset: %v", in, err)
			}
			if ds.Len() != len(ds.Labels) || ds.NumClasses() < 1 {
				t.Fatalf("ParseCSV(%q): %d rows, %d labels, %d classes", in, ds.Len(), len(ds.Labels), ds.NumClasses())
			}
		} else if !errors.Is(err, ErrFormat) {
			t.Fatalf("ParseCSV(%q) error %v does not wrap ErrFormat", in, err)
		}
		for _, sep := range []rune{',', ' '} {
			m, err := ParseMatrix(bytes.NewReader(in), sep, 0)
			if err != nil {
				if !errors.Is(err, ErrFormat) {
					t.Fatalf("ParseMatrix(%q, %q) error %v does not wrap ErrFormat", in, sep, err)
				}
				continue
			}
			if m.Rank() != 2 || m.Len() != m.Dim(0)*m.Dim(1) {
				t.Fatalf("ParseMatrix(%q, %q) returned shape %v for %d values", in, sep, m.Shape(), m.Len())
			}
			if x, labels, err := splitLabels(m, 10); err == nil && (x.Dim(0) != len(labels) || x.Dim(1) != m.Dim(1)-1) {
				t.Fatalf("splitLabels of %v gave X %v and %d labels", m.Shape(), x.Shape(), len(labels))
			}
		}
	})
}
