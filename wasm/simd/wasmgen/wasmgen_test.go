package wasmgen

import (
	"bytes"
	"testing"
)

func TestLEB128(t *testing.T) {
	for _, tc := range []struct {
		v    uint32
		want []byte
	}{{0, []byte{0}}, {127, []byte{0x7F}}, {128, []byte{0x80, 0x01}}, {0x105, []byte{0x85, 0x02}},
		{624485, []byte{0xE5, 0x8E, 0x26}}} {
		if got := AppendU32(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("AppendU32(%d) = % x, want % x", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    int32
		want []byte
	}{{0, []byte{0}}, {63, []byte{0x3F}}, {64, []byte{0xC0, 0x00}}, {-1, []byte{0x7F}}, {-64, []byte{0x40}},
		{-65, []byte{0xBF, 0x7F}}, {-123456, []byte{0xC0, 0xBB, 0x78}}} {
		if got := AppendS32(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("AppendS32(%d) = % x, want % x", tc.v, got, tc.want)
		}
	}
}

// TestModule checks a small module byte for byte against its hand-assembled encoding.
func TestModule(t *testing.T) {
	m := NewModule("env", "memory")
	f := m.Func("addsplat", []ValType{I32}, nil)
	x := f.Local(V128)
	loop := f.Loop()
	f.Get(f.Param(0))
	f.V128Load32Splat(4)
	f.Set(x)
	f.Get(f.Param(0))
	f.BrIf(loop)
	f.End()
	want := []byte{0, 'a', 's', 'm', 1, 0, 0, 0,
		1, 5, 1, 0x60, 1, 0x7F, 0, // type
		2, 15, 1, 3, 'e', 'n', 'v', 6, 'm', 'e', 'm', 'o', 'r', 'y', 2, 0, 0, // import
		3, 2, 1, 0, // function
		7, 12, 1, 8, 'a', 'd', 'd', 's', 'p', 'l', 'a', 't', 0, 0, // export
		10, 21, 1, 19, 1, 1, 0x7B, // code: one local v128
		0x03, 0x40, 0x20, 0, 0xFD, 0x09, 2, 4, 0x21, 1, 0x20, 0, 0x0D, 0, 0x0B, 0x0B}
	if got := m.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("module\n% x\nwant\n% x", got, want)
	}
}

func TestUnclosedBlock(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("a function with an open block encoded without a panic")
		}
	}()
	m := NewModule("env", "memory")
	m.Func("f", nil, nil).Block()
	m.Bytes()
}

// TestRelaxedOpcodes checks the relaxed-SIMD encodings against the proposal's opcode table (0xFD prefix, then
// the opcode as a LEB128 u32).
func TestRelaxedOpcodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		emit func(f *Func)
		want []byte
	}{
		{"f32x4.relaxed_madd", (*Func).F32x4RelaxedMadd, []byte{0xFD, 0x85, 0x02}},
		{"i32x4.relaxed_dot_i8x16_i7x16_add_s", (*Func).I32x4RelaxedDotI8x16I7x16AddS, []byte{0xFD, 0x93, 0x02}},
	} {
		f := &Func{}
		tc.emit(f)
		if !bytes.Equal(f.code, tc.want) {
			t.Errorf("%s: % x, want % x", tc.name, f.code, tc.want)
		}
	}
}
