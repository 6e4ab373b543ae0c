package torch

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
)

// pickler writes pickles by hand, opcode by opcode, for tests.
type pickler struct{ bytes.Buffer }

func (p *pickler) op(b ...byte) *pickler { p.Write(b); return p }

func (p *pickler) str(s string) *pickler {
	p.WriteByte(opBinUnicode)
	binary.Write(p, binary.LittleEndian, uint32(len(s)))
	p.WriteString(s)
	return p
}

func (p *pickler) int(v int) *pickler {
	p.WriteByte(opBinInt)
	binary.Write(p, binary.LittleEndian, int32(v))
	return p
}

func (p *pickler) global(module, name string) *pickler {
	p.WriteByte(opGlobal)
	p.WriteString(module + "\n" + name + "\n")
	return p
}

func (p *pickler) ints(vs ...int) *pickler {
	p.op(opMark)
	for _, v := range vs {
		p.int(v)
	}
	return p.op(opTuple)
}

// tensor pushes _rebuild_tensor_v2(storage, offset, size, stride, False,
// OrderedDict()), with a zip-format persistent id for the storage.
type tensorSpec struct {
	name, storageType, key string
	numel, offset          int
	size, stride           []int
}

func (p *pickler) tensor(t tensorSpec, legacyView string) *pickler {
	p.global("torch._utils", "_rebuild_tensor_v2").op(opMark)
	p.op(opMark).str("storage").global("torch", t.storageType).str(t.key).str("cpu").int(t.numel)
	if legacyView == "none" {
		p.op(opNone)
	} else if legacyView != "" {
		p.op(opMark).str(legacyView).int(1).int(t.numel - 1).op(opTuple)
	}
	p.op(opTuple, opBinPersID)
	p.int(t.offset).ints(t.size...).ints(t.stride...)
	p.op(opNewFalse).global("collections", "OrderedDict").op(opEmptyTuple, opReduce)
	return p.op(opTuple, opReduce)
}

// stateDictPickle pickles an OrderedDict of the given tensors.
func stateDictPickle(legacyView string, ts ...tensorSpec) []byte {
	p := &pickler{}
	p.op(opProto, 2).global("collections", "OrderedDict").op(opEmptyTuple, opReduce, opMark)
	for _, t := range ts {
		p.str(t.name).tensor(t, legacyView)
	}
	p.op(opSetItems, opStop)
	return p.Bytes()
}

// makeZip writes a zip archive with the given entries, stored uncompressed.
func makeZip(t testing.TB, entries ...[2]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e[0], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func f32bytes(n int) string {
	b := make([]byte, 4*n)
	for i := range n {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(i))
	}
	return string(b)
}

var vec4 = tensorSpec{name: "w", storageType: "FloatStorage", key: "0", numel: 4, size: []int{4}, stride: []int{1}}

func TestHandBuiltZip(t *testing.T) {
	// Any top folder name works, and deflated entries are read too.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range [][2]string{{"anything/data.pkl", string(stateDictPickle("", vec4))}, {"anything/data/0", f32bytes(4)}} {
		w, _ := zw.Create(e[0]) // deflate
		w.Write([]byte(e[1]))
	}
	zw.Close()
	ts, err := ReadStateDict(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Name != "w" || ts[0].DType != "F32" || ts[0].Data[4] != 1 || len(ts[0].Data) != 16 {
		t.Errorf("got %+v", ts)
	}
}

func TestZipErrors(t *testing.T) {
	pkl := string(stateDictPickle("", vec4))
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"no data.pkl", makeZip(t, [2]string{"a/other", "x"}), "no <folder>/data.pkl"},
		{"torchscript", makeZip(t, [2]string{"m/constants.pkl", "x"}, [2]string{"m/code/x.py", ""}), "TorchScript"},
		{"missing storage", makeZip(t, [2]string{"a/data.pkl", pkl}), `missing storage "0"`},
		{"short storage", makeZip(t, [2]string{"a/data.pkl", pkl}, [2]string{"a/data/0", f32bytes(3)}), `storage "0": zip entry a/data/0 holds 12 bytes, want 16`},
		{"bad byteorder", makeZip(t, [2]string{"a/data.pkl", pkl}, [2]string{"a/data/0", f32bytes(4)}, [2]string{"a/byteorder", "middle"}), `unknown byte order "middle"`},
		{"two pickles", makeZip(t, [2]string{"a/data.pkl", pkl}, [2]string{"b/data.pkl", pkl}), "both"},
		{"duplicate entry", makeZip(t, [2]string{"a/data.pkl", pkl}, [2]string{"a/data.pkl", pkl}), "twice"},
		{"disallowed global", makeZip(t, [2]string{"a/data.pkl", "\x80\x02cos\nsystem\nX\x04\x00\x00\x00echo\x85R."}), "unsupported global os.system"},
		{"trailing pickle data", makeZip(t, [2]string{"a/data.pkl", pkl + "N"}, [2]string{"a/data/0", f32bytes(4)}), "after the pickle's end"},
		{"not a dict", makeZip(t, [2]string{"a/data.pkl", "\x80\x02]."}), "holds a list"},
		{"not tensors", makeZip(t, [2]string{"a/data.pkl", "\x80\x02}X\x01\x00\x00\x00aK\x01s."}), `entry "a" is a int, not a tensor`},
		{"wrong pid", makeZip(t, [2]string{"a/data.pkl", "\x80\x02X\x01\x00\x00\x00xQ."}), "persistent id is a str"},
		{"module pid", makeZip(t, [2]string{"a/data.pkl", "\x80\x02(X\x06\x00\x00\x00moduleNNNNtQ."}), `kind "module"`},
		{"storage type", makeZip(t, [2]string{"a/data.pkl", "\x80\x02(X\x07\x00\x00\x00storagectorch\nSize\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQ."}), "unsupported storage type torch.Size"},
		{"past storage", makeZip(t,
			[2]string{"a/data.pkl", string(stateDictPickle("", tensorSpec{"w", "FloatStorage", "0", 4, 1, []int{2, 2}, []int{2, 1}}))},
			[2]string{"a/data/0", f32bytes(4)}), `tensor "w": size [2 2], stride [2 1] and offset 1 reach past its storage "0" of 4 elements`},
		{"expanded", makeZip(t,
			[2]string{"a/data.pkl", string(stateDictPickle("", tensorSpec{"w", "FloatStorage", "0", 1, 0, []int{3}, []int{0}}))},
			[2]string{"a/data/0", f32bytes(1)}), `tensor "w": 3 elements overlap`},
		{"dtype conflict", makeZip(t,
			[2]string{"a/data.pkl", string(stateDictPickle("", vec4, tensorSpec{"v", "HalfStorage", "0", 4, 0, []int{4}, []int{1}}))},
			[2]string{"a/data/0", f32bytes(4)}), `storage "0" is named as 4 F32 elements and as 4 F16 elements`},
		{"corrupt", corrupt(makeZip(t, [2]string{"a/data.pkl", pkl}, [2]string{"a/data/0", f32bytes(4)}), f32bytes(4)), "checksum mismatch"},
	}
	for _, tc := range tests {
		_, err := ReadStateDict(tc.file)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

// corrupt flips a byte of the first occurrence of s in b.
func corrupt(b []byte, s string) []byte {
	i := bytes.Index(b, []byte(s))
	b[i] ^= 0xff
	return b
}

// legacyFile assembles a legacy-format file around a main pickle.
func legacyFile(main []byte, keys []string, storages ...[]byte) []byte {
	p := &pickler{}
	p.op(opProto, 2, opLong1, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, opStop)
	p.op(opProto, 2).int(legacyProtocolVersion).op(opStop)
	p.op(opProto, 2, opEmptyDict).str("little_endian").op(opNewTrue, opSetItem, opStop)
	p.Write(main)
	p.op(opProto, 2, opEmptyList, opMark)
	for _, k := range keys {
		p.str(k)
	}
	p.op(opAppends, opStop)
	for _, s := range storages {
		p.Write(s)
	}
	return p.Bytes()
}

func storageBytes(count int, data string) []byte {
	return append(binary.LittleEndian.AppendUint64(nil, uint64(count)), data...)
}

func TestHandBuiltLegacyView(t *testing.T) {
	// A legacy storage view: elements 1..3 of a 4-element storage.
	spec := tensorSpec{name: "v", storageType: "IntStorage", key: "k", numel: 4, size: []int{3}, stride: []int{1}}
	file := legacyFile(stateDictPickle("view", spec), []string{"k"}, storageBytes(4, f32bytes(4)))
	ts, err := ReadStateDict(file)
	if err != nil {
		t.Fatal(err)
	}
	v, _ := ts[0].Float32()
	if fmt.Sprint(v) != "[1 2 3]" || ts[0].DType != "I32" {
		t.Errorf("v = %s %v, want I32 [1 2 3]", ts[0].DType, v)
	}
}

func TestLegacyErrors(t *testing.T) {
	main := stateDictPickle("none", vec4)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"missing storage", legacyFile(main, nil), `missing storage "0"`},
		{"unknown key", legacyFile(main, []string{"0", "9"}, storageBytes(4, f32bytes(4))), `storage "9" is listed but`},
		{"count mismatch", legacyFile(main, []string{"0"}, storageBytes(3, f32bytes(3))), `storage "0": 3 elements in the file, the pickle says 4`},
		{"truncated", legacyFile(main, []string{"0"}, storageBytes(4, f32bytes(3))), `storage "0": truncated`},
		{"trailing", legacyFile(main, []string{"0"}, storageBytes(4, f32bytes(4)), []byte{0}), "1 bytes after the last storage"},
		{"zip pid", legacyFile(stateDictPickle("", vec4), []string{"0"}, storageBytes(4, f32bytes(4))), "want 6"},
		{"bad version", bytes.Replace(legacyFile(main, nil), []byte{opBinInt, 0xe9, 0x03, 0, 0}, []byte{opBinInt, 0xea, 0x03, 0, 0}, 1), "protocol version 1002"},
		{"disallowed global", legacyFile([]byte("\x80\x02cposix\nsystem\nX\x04\x00\x00\x00echo\x85R."), nil), "unsupported global posix.system"},
	}
	for _, tc := range tests {
		_, err := ReadStateDict(tc.file)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want it to contain %q", tc.name, err, tc.want)
		}
	}
	// The builder itself makes a valid file.
	if _, err := ReadStateDict(legacyFile(main, []string{"0"}, storageBytes(4, f32bytes(4)))); err != nil {
		t.Errorf("valid hand-built legacy file: %v", err)
	}
}
