package torch

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"inceptionweb/internal/limits"
)

// deflated is a zip entry written with deflate.
type deflated struct {
	name string
	data io.Reader
}

func deflateZip(t testing.TB, entries ...deflated) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zeros reads n zero bytes.
func zeros(n int64) io.Reader { return io.LimitReader(zeroReader{}, n) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestZipBombs(t *testing.T) {
	pkl := stateDictPickle("", vec4)
	big := tensorSpec{name: "w", storageType: "FloatStorage", key: "0", numel: 1 << 20, size: []int{1 << 20}, stride: []int{1}}
	for _, c := range []struct {
		name string
		file []byte
		want string
	}{
		// The bomb, smaller: a data.pkl that inflates past the pickle limit is refused unread.
		{"pickle over the limit", deflateZip(t, deflated{"a/data.pkl", io.MultiReader(bytes.NewReader(pkl), zeros(limits.PickleBytes))}), "a/data.pkl holds 64 MiB"},
		// 4 MiB of zeros deflate to about 4 KB: over the ratio.
		{"storage that inflates 1000 times", deflateZip(t, deflated{"a/data.pkl", bytes.NewReader(stateDictPickle("", big))}, deflated{"a/data/0", zeros(4 << 20)}), "more than 100 times"},
		{"storage over the limit", makeZip(t, [2]string{"a/data.pkl", string(stateDictPickle("", tensorSpec{"w", "FloatStorage", "0", 1 << 29, 0, []int{1 << 29}, []int{1}}))}), "storage \"0\" is 2048 MiB"},
	} {
		_, err := ReadStateDict(c.file)
		if !errors.Is(err, limits.ErrTooLarge) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrTooLarge and %q", c.name, err, c.want)
		}
	}
}

func TestZipEntryLongerThanItSays(t *testing.T) {
	// The central directory says 16 bytes; the deflated data holds 64 KiB. Reading stops at 16 and fails.
	var raw bytes.Buffer
	fw, _ := flate.NewWriter(&raw, flate.BestCompression)
	io.Copy(fw, zeros(64<<10))
	fw.Close()
	data := make([]byte, 16)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	pw, _ := zw.CreateHeader(&zip.FileHeader{Name: "a/data.pkl", Method: zip.Store})
	pw.Write(stateDictPickle("", vec4))
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "a/data/0", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(raw.Len()), UncompressedSize64: 16})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw.Bytes())
	zw.Close()
	if _, err := ReadStateDict(buf.Bytes()); err == nil || !strings.Contains(err.Error(), "a/data/0") {
		t.Errorf("entry longer than it says: %v", err)
	}
}

func TestCopiedViewsAreBounded(t *testing.T) {
	// A transposed view is copied; the budget bounds what many views of one storage may copy.
	s := &storageRef{key: "0", dtype: "F32", elemSize: 4, numel: 6}
	root := make([]byte, 24)
	view := &tensorRef{storage: s, size: []int64{3, 2}, stride: []int64{1, 3}}
	if _, n, err := materialise("w", view, root, false, 24); err != nil || n != 24 {
		t.Fatalf("copied %d, %v", n, err)
	}
	if _, _, err := materialise("w", view, root, false, 23); !errors.Is(err, limits.ErrTooLarge) {
		t.Errorf("over budget: %v", err)
	}
	contiguous := &tensorRef{storage: s, size: []int64{2, 3}, stride: []int64{3, 1}}
	if _, n, err := materialise("w", contiguous, root, false, 0); err != nil || n != 0 {
		t.Errorf("a contiguous view copies nothing: %d, %v", n, err)
	}
}
