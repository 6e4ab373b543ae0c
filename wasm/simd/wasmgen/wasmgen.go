// Package wasmgen encodes WebAssembly modules: function types, an imported memory, functions with locals and
// structured control flow, exports, and the SIMD128 and relaxed-SIMD instructions the kernels use.
//
// It writes only what the kernel modules need, and nothing that would touch memory on its own: no data
// segments, no start function, no memory or table definitions.
package wasmgen

// ValType is a value type.
type ValType byte

const (
	I32  ValType = 0x7F
	I64  ValType = 0x7E
	F32  ValType = 0x7D
	F64  ValType = 0x7C
	V128 ValType = 0x7B
)

// Section ids of the binary format.
const (
	SecType     = 1
	SecImport   = 2
	SecFunction = 3
	SecTable    = 4
	SecMemory   = 5
	SecGlobal   = 6
	SecExport   = 7
	SecStart    = 8
	SecElement  = 9
	SecCode     = 10
	SecData     = 11
)

// Module is a module under construction. Its one import is a memory, so function indices start at 0.
type Module struct {
	MemModule, MemName string // where the imported memory comes from, e.g. "env", "memory"
	funcs              []*Func
}

// NewModule starts a module that imports its linear memory as mod.name.
func NewModule(mod, name string) *Module { return &Module{MemModule: mod, MemName: name} }

// Func adds an exported function with the given parameters and results.
func (m *Module) Func(name string, params, results []ValType) *Func {
	f := &Func{name: name, params: params, results: results}
	m.funcs = append(m.funcs, f)
	return f
}

// Bytes encodes the module.
func (m *Module) Bytes() []byte {
	out := []byte{0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00}

	var types [][]byte
	typeIndex := make([]int, len(m.funcs))
	for i, f := range m.funcs {
		t := []byte{0x60}
		t = appendVec(t, f.params)
		t = appendVec(t, f.results)
		typeIndex[i] = -1
		for j, u := range types {
			if string(u) == string(t) {
				typeIndex[i] = j
			}
		}
		if typeIndex[i] < 0 {
			typeIndex[i] = len(types)
			types = append(types, t)
		}
	}
	var sec []byte
	sec = AppendU32(sec, uint32(len(types)))
	for _, t := range types {
		sec = append(sec, t...)
	}
	out = appendSection(out, SecType, sec)

	sec = AppendU32(nil, 1)
	sec = appendName(sec, m.MemModule)
	sec = appendName(sec, m.MemName)
	sec = append(sec, 0x02, 0x00, 0x00) // memory, limits without maximum, minimum 0 pages
	out = appendSection(out, SecImport, sec)

	sec = AppendU32(nil, uint32(len(m.funcs)))
	for _, ti := range typeIndex {
		sec = AppendU32(sec, uint32(ti))
	}
	out = appendSection(out, SecFunction, sec)

	sec = AppendU32(nil, uint32(len(m.funcs)))
	for i, f := range m.funcs {
		sec = appendName(sec, f.name)
		sec = append(sec, 0x00) // function export
		sec = AppendU32(sec, uint32(i))
	}
	out = appendSection(out, SecExport, sec)

	sec = AppendU32(nil, uint32(len(m.funcs)))
	for _, f := range m.funcs {
		body := f.body()
		sec = AppendU32(sec, uint32(len(body)))
		sec = append(sec, body...)
	}
	return appendSection(out, SecCode, sec)
}

func appendVec(b []byte, ts []ValType) []byte {
	b = AppendU32(b, uint32(len(ts)))
	for _, t := range ts {
		b = append(b, byte(t))
	}
	return b
}

func appendName(b []byte, s string) []byte {
	b = AppendU32(b, uint32(len(s)))
	return append(b, s...)
}

func appendSection(b []byte, id byte, content []byte) []byte {
	b = append(b, id)
	b = AppendU32(b, uint32(len(content)))
	return append(b, content...)
}

// AppendU32 appends v as unsigned LEB128.
func AppendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// AppendS32 appends v as signed LEB128.
func AppendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
