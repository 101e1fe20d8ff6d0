package data

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"
)

func TestDecompress(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"plain", []byte("hello"), "hello"},
		{"empty", nil, ""},
		{"one byte", []byte{0x1f}, "\x1f"},
		{"gzip", gz(t, []byte("hello")), "hello"},
		{"gzip magic but not second byte", []byte{0x1f, 0x00, 'x'}, "\x1f\x00x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := decompress(bytes.NewReader(tt.in))
			if err != nil {
				t.Fatalf("decompress: %v", err)
			}
			got, err := io.ReadAll(r)
			if err != nil || string(got) != tt.want {
				t.Errorf("decompress read %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestReadErrorKinds(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		format bool
	}{
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"EOF", io.EOF, true},
		{"gzip header", gzip.ErrHeader, true},
		{"gzip checksum", gzip.ErrChecksum, true},
		{"reader failure", errDisk, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readError("x", tt.err)
			if errors.Is(err, ErrFormat) != tt.format || !errors.Is(err, tt.err) {
				t.Errorf("readError(%v) = %v: ErrFormat %v, want %v; must keep the cause", tt.err, err, errors.Is(err, ErrFormat), tt.format)
			}
		})
	}
}
