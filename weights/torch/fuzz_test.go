package torch

import (
	"bytes"
	"strings"
	"testing"

	"inceptionweb/weights/safetensors"
)

// FuzzReadStateDict checks that ReadStateDict never panics, and that every
// tensor it returns has exactly the bytes its shape needs.
func FuzzReadStateDict(f *testing.F) {
	for _, name := range []string{"sd_legacy.pt", "sd_zip.pt", "big_endian.pt", "ckpt_legacy.pt", "ckpt_zip.pt"} {
		f.Add(readFixture(f, name))
	}
	main := stateDictPickle("none", vec4)
	f.Add(legacyFile(main, []string{"0"}, storageBytes(4, f32bytes(4))))
	f.Add(legacyFile(stateDictPickle("view", vec4), []string{"0"}, storageBytes(4, f32bytes(4))))
	f.Add(makeZip(f, [2]string{"a/data.pkl", string(stateDictPickle("", vec4))}, [2]string{"a/data/0", f32bytes(4)}))
	f.Add([]byte("\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R."))
	// Deflated entries, as a zip tool rewrites a .pth, and a small bomb.
	f.Add(deflateZip(f, deflated{"a/data.pkl", bytes.NewReader(stateDictPickle("", vec4))}, deflated{"a/data/0", strings.NewReader(f32bytes(4))}))
	f.Add(deflateZip(f, deflated{"a/data.pkl", bytes.NewReader(stateDictPickle("", vec4))}, deflated{"a/data/0", zeros(2 << 20)}))
	// A transposed view, which is copied, and big-endian storages.
	f.Add(makeZip(f, [2]string{"a/data.pkl", string(stateDictPickle("", tensorSpec{"w", "FloatStorage", "0", 6, 0, []int{3, 2}, []int{1, 3}}))},
		[2]string{"a/data/0", f32bytes(6)}, [2]string{"a/byteorder", "big"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ReadStateDict(data)
		if err != nil {
			return
		}
		for _, tt := range ts {
			if len(tt.Data) != tt.NumElements()*safetensors.DTypeSize(tt.DType) {
				t.Fatalf("tensor %q: %d bytes for %s %v", tt.Name, len(tt.Data), tt.DType, tt.Shape)
			}
		}
	})
}
