package data

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/tapegrad/tapegrad/tensor"
)

// maxLine is the longest text line the parsers accept (1 MiB); the longest
// line of the embedded files is under 300 bytes.
const maxLine = 1 << 20

// ParseMatrix reads a table of numbers, one row per line, and returns it as
// a tensor of shape (rows, cols).
//
// Fields are separated by sep; sep ' ' means any run of spaces and tabs
// (the layout of the diabetes files). Each field is a finite number in
// strconv.ParseFloat syntax, surrounding spaces ignored. Blank lines are
// skipped and a trailing "\r" is ignored. cols > 0 requires that many fields
// on every row; cols 0 takes the count from the first row. The input may be
// gzip-compressed: it is sniffed for the gzip magic number.
//
// Malformed input gives an error that wraps ErrFormat and names the line and
// field; a negative cols or a nil r gives an error that wraps ErrArgument.
func ParseMatrix(r io.Reader, sep rune, cols int) (*tensor.Tensor, error) {
	if err := checkReader("data.ParseMatrix", r); err != nil {
		return nil, err
	}
	if cols < 0 {
		return nil, fmt.Errorf("data.ParseMatrix: cols %d < 0: %w", cols, ErrArgument)
	}
	ls, err := newLines(r)
	if err != nil {
		return nil, err
	}
	var vals []float64
	rows := 0
	for {
		line, ok := ls.next()
		if !ok {
			break
		}
		fields := splitFields(line, sep)
		if cols == 0 {
			cols = len(fields)
		}
		if len(fields) != cols {
			return nil, formatErrorf("line %d: %d fields, want %d", ls.n, len(fields), cols)
		}
		for j, f := range fields {
			v, err := parseNumber(f)
			if err != nil {
				return nil, formatErrorf("line %d, field %d: %v", ls.n, j+1, err)
			}
			vals = append(vals, v)
		}
		rows++
	}
	if err := ls.err(); err != nil {
		return nil, err
	}
	if vals == nil {
		vals = []float64{}
	}
	return tensor.New(vals, rows, cols), nil
}

// ParseCSV reads a classification data set in scikit-learn's CSV layout,
// the layout of iris.csv, wine_data.csv and breast_cancer.csv:
//
//	150,4,setosa,versicolor,virginica   ← n samples, p features, class names
//	5.1,3.5,1.4,0.2,0                   ← p features, then the class index
//	…                                   ← n rows in all
//
// It returns a Dataset with X of shape (n, p), Labels in [0, k) for the k
// class names, and ClassNames; Name and FeatureNames are left empty for the
// caller. The header needs n ≥ 0, p ≥ 1 and at least one class name; every
// row needs p finite numbers and an integer label in [0, k); the row count
// must equal n. Blank lines are skipped; the input may be gzip-compressed.
//
// Malformed input gives an error that wraps ErrFormat and names the line and
// what is wrong; a nil r gives an error that wraps ErrArgument.
func ParseCSV(r io.Reader) (*Dataset, error) {
	if err := checkReader("data.ParseCSV", r); err != nil {
		return nil, err
	}
	ls, err := newLines(r)
	if err != nil {
		return nil, err
	}
	head, ok := ls.next()
	if !ok {
		if err := ls.err(); err != nil {
			return nil, err
		}
		return nil, formatErrorf("empty input: want a header line \"n,features,class names…\"")
	}
	hf := splitFields(head, ',')
	if len(hf) < 3 {
		return nil, formatErrorf("line %d: header %q has %d fields, want n,features and at least one class name", ls.n, short(head), len(hf))
	}
	n, err := strconv.Atoi(hf[0])
	if err != nil || n < 0 {
		return nil, formatErrorf("line %d: header sample count %q is not an integer ≥ 0", ls.n, short(hf[0]))
	}
	p, err := strconv.Atoi(hf[1])
	if err != nil || p < 1 {
		return nil, formatErrorf("line %d: header feature count %q is not an integer ≥ 1", ls.n, short(hf[1]))
	}
	classes := hf[2:]
	for j, c := range classes {
		if c == "" {
			return nil, formatErrorf("line %d: class name %d is empty", ls.n, j)
		}
	}

	// Preallocate only what a header of plausible size asks for: a header
	// is input too, and may lie.
	var vals []float64
	var labels []int
	if n <= 1<<16 && p <= 1<<12 {
		vals = make([]float64, 0, n*p)
		labels = make([]int, 0, n)
	}
	for {
		line, ok := ls.next()
		if !ok {
			break
		}
		if len(labels) == n {
			return nil, formatErrorf("line %d: more than the %d rows the header announces", ls.n, n)
		}
		fields := splitFields(line, ',')
		if len(fields) != p+1 {
			return nil, formatErrorf("line %d: %d fields, want %d features and a label", ls.n, len(fields), p)
		}
		for j, f := range fields[:p] {
			v, err := parseNumber(f)
			if err != nil {
				return nil, formatErrorf("line %d, field %d: %v", ls.n, j+1, err)
			}
			vals = append(vals, v)
		}
		l, err := strconv.Atoi(fields[p])
		if err != nil || l < 0 || l >= len(classes) {
			return nil, formatErrorf("line %d: label %q is not a class index in [0, %d)", ls.n, short(fields[p]), len(classes))
		}
		labels = append(labels, l)
	}
	if err := ls.err(); err != nil {
		return nil, err
	}
	if len(labels) != n {
		return nil, formatErrorf("header announces %d rows, input has %d", n, len(labels))
	}
	if vals == nil { // n == 0 with an implausible p
		vals, labels = []float64{}, []int{}
	}
	if p > tensor.MaxElements { // with no sample lines, nothing else bounds p
		return nil, formatErrorf("header declares %d features, more than a tensor holds (tensor.MaxElements = %d)", p, tensor.MaxElements)
	}
	return &Dataset{X: tensor.New(vals, n, p), Labels: labels, ClassNames: classes}, nil
}

// splitLabels splits the last column off an (n, p+1) matrix as integer
// labels in [0, classes), returning the (n, p) features.
func splitLabels(m *tensor.Tensor, classes int) (*tensor.Tensor, []int, error) {
	n, c := m.Dim(0), m.Dim(1)
	if c < 2 {
		return nil, nil, formatErrorf("%d columns, want features and a label", c)
	}
	p := c - 1
	x := make([]float64, 0, n*p)
	labels := make([]int, n)
	src := m.Data()
	for i := range n {
		row := src[i*c : (i+1)*c]
		x = append(x, row[:p]...)
		v := row[p]
		if v != math.Trunc(v) || v < 0 || v >= float64(classes) {
			return nil, nil, formatErrorf("row %d: label %v is not a class index in [0, %d)", i+1, v, classes)
		}
		labels[i] = int(v)
	}
	return tensor.New(x, n, p), labels, nil
}

// lines reads non-blank text lines, counting every line for error messages.
type lines struct {
	sc *bufio.Scanner
	n  int // 1-based number of the line last returned
}

// newLines returns a line reader over r, decompressed if r is gzip.
func newLines(r io.Reader) (*lines, error) {
	dr, err := decompress(r)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(dr)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	return &lines{sc: sc}, nil
}

// next returns the next non-blank line, trimmed of surrounding white space,
// and false at the end of input or on an error (see err).
func (l *lines) next() (string, bool) {
	for l.sc.Scan() {
		l.n++
		if s := strings.TrimSpace(l.sc.Text()); s != "" {
			return s, true
		}
	}
	return "", false
}

// err returns the error that ended next, if any.
func (l *lines) err() error {
	err := l.sc.Err()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bufio.ErrTooLong):
		return formatErrorf("line %d: longer than %d bytes", l.n+1, maxLine)
	}
	return readError(fmt.Sprintf("line %d", l.n+1), err)
}

// splitFields splits a trimmed line at sep (' ' meaning runs of white
// space) and trims each field.
func splitFields(line string, sep rune) []string {
	if sep == ' ' {
		return strings.Fields(line)
	}
	fields := strings.Split(line, string(sep))
	for i, f := range fields {
		fields[i] = strings.TrimSpace(f)
	}
	return fields
}

// parseNumber parses a finite float64.
func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q is not a finite number", short(s))
	}
	return v, nil
}

// short returns s cut to 40 bytes, for quoting input in error messages.
func short(s string) string {
	if len(s) > 40 {
		return s[:37] + "..."
	}
	return s
}
