package torch

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
)

// This file is a restricted unpickler: it knows only the opcodes that
// torch.save emits for state_dicts (pickle protocol 2, plus the few protocol
// 4 opcodes a newer pickler may use) and builds only the objects on an
// allow-list. It never runs code named by the file.

// Values the unpickler builds.
type (
	tuple []any
	list  struct{ items []any }
	// dict keeps Python's insertion order.
	dict struct {
		keys  []any
		vals  []any
		index map[any]int
	}
	// global is a class or function named by GLOBAL or STACK_GLOBAL.
	global struct{ module, name string }
	// mark is the stack marker pushed by MARK.
	mark struct{}
)

func newDict() *dict { return &dict{index: map[any]int{}} }

func (d *dict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, float64, nil:
	default:
		return fmt.Errorf("dict key of type %s is not supported", typeName(k))
	}
	if i, ok := d.index[k]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[k] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

func (d *dict) get(k string) (any, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// allowedGlobals lists every class or function a file may name. Anything
// else is refused when the file names it, before it could be called.
var allowedGlobals = map[global]bool{
	{"collections", "OrderedDict"}:                    true,
	{"torch._utils", "_rebuild_tensor"}:               true,
	{"torch._utils", "_rebuild_tensor_v2"}:            true,
	{"torch._utils", "_rebuild_parameter"}:            true,
	{"torch._utils", "_rebuild_parameter_with_state"}: true,
	{"torch", "Size"}:                                 true,
}

// storageDTypes maps torch's storage classes to safetensors dtypes.
var storageDTypes = map[string]string{
	"FloatStorage":    "F32",
	"HalfStorage":     "F16",
	"BFloat16Storage": "BF16",
	"DoubleStorage":   "F64",
	"LongStorage":     "I64",
	"IntStorage":      "I32",
	"ShortStorage":    "I16",
	"CharStorage":     "I8",
	"ByteStorage":     "U8",
	"BoolStorage":     "BOOL",
}

func isAllowed(g global) bool {
	if allowedGlobals[g] {
		return true
	}
	_, ok := storageDTypes[g.name]
	return ok && g.module == "torch"
}

// Pickle opcodes.
const (
	opMark           = '('
	opStop           = '.'
	opPop            = '0'
	opPopMark        = '1'
	opBinFloat       = 'G'
	opBinInt         = 'J'
	opBinInt1        = 'K'
	opBinInt2        = 'M'
	opNone           = 'N'
	opBinPersID      = 'Q'
	opReduce         = 'R'
	opBinString      = 'T'
	opShortBinString = 'U'
	opBinUnicode     = 'X'
	opAppend         = 'a'
	opBuild          = 'b'
	opGlobal         = 'c'
	opDict           = 'd'
	opEmptyDict      = '}'
	opAppends        = 'e'
	opBinGet         = 'h'
	opLongBinGet     = 'j'
	opList           = 'l'
	opEmptyList      = ']'
	opBinPut         = 'q'
	opLongBinPut     = 'r'
	opSetItem        = 's'
	opTuple          = 't'
	opEmptyTuple     = ')'
	opSetItems       = 'u'
	opProto          = 0x80
	opNewObj         = 0x81
	opTuple1         = 0x85
	opTuple2         = 0x86
	opTuple3         = 0x87
	opNewTrue        = 0x88
	opNewFalse       = 0x89
	opLong1          = 0x8a
	opLong4          = 0x8b
	opBinBytes       = 'B'
	opShortBinBytes  = 'C'
	opShortBinUni    = 0x8c
	opBinUnicode8    = 0x8d
	opBinBytes8      = 0x8e
	opStackGlobal    = 0x93
	opMemoize        = 0x94
	opFrame          = 0x95
)

// unpickler decodes one pickle from data, starting at pos.
type unpickler struct {
	data  []byte
	pos   int
	stack []any
	memo  map[int64]any
	// persistentLoad turns a persistent id (BINPERSID) into an object.
	persistentLoad func(pid any) (any, error)
}

// unpickle decodes the pickle at data[pos:] and returns its value and the
// offset just past its STOP opcode.
func unpickle(data []byte, pos int, persistentLoad func(any) (any, error)) (any, int, error) {
	u := &unpickler{data: data, pos: pos, memo: map[int64]any{}, persistentLoad: persistentLoad}
	v, err := u.run()
	if err != nil {
		return nil, 0, err
	}
	return v, u.pos, nil
}

func (u *unpickler) run() (any, error) {
	for {
		at := u.pos
		if u.pos >= len(u.data) {
			return nil, fmt.Errorf("pickle truncated at offset %d (no STOP)", u.pos)
		}
		op := u.data[u.pos]
		u.pos++
		done, err := u.step(op)
		if err != nil {
			return nil, fmt.Errorf("pickle opcode %#02x at offset %d: %w", op, at, err)
		}
		if done {
			if len(u.stack) != 1 {
				return nil, fmt.Errorf("pickle at offset %d: STOP with %d values on the stack, want 1", at, len(u.stack))
			}
			if _, ok := u.stack[0].(mark); ok {
				return nil, fmt.Errorf("pickle at offset %d: STOP with only a MARK on the stack", at)
			}
			return u.stack[0], nil
		}
	}
}

// step executes one opcode and reports whether it was STOP.
func (u *unpickler) step(op byte) (bool, error) {
	switch op {
	case opProto:
		v, err := u.read(1)
		if err != nil {
			return false, err
		}
		if v[0] > 5 {
			return false, fmt.Errorf("pickle protocol %d is not supported", v[0])
		}
	case opFrame:
		if _, err := u.read(8); err != nil { // frames only group opcodes; the data is all in memory
			return false, err
		}
	case opStop:
		return true, nil

	case opMark:
		u.push(mark{})
	case opPop:
		if _, err := u.pop(); err != nil {
			return false, err
		}
	case opPopMark:
		if _, err := u.popMark(); err != nil {
			return false, err
		}

	case opNone:
		u.push(nil)
	case opNewTrue:
		u.push(true)
	case opNewFalse:
		u.push(false)
	case opBinInt:
		b, err := u.read(4)
		if err != nil {
			return false, err
		}
		u.push(int64(int32(binary.LittleEndian.Uint32(b))))
	case opBinInt1:
		b, err := u.read(1)
		if err != nil {
			return false, err
		}
		u.push(int64(b[0]))
	case opBinInt2:
		b, err := u.read(2)
		if err != nil {
			return false, err
		}
		u.push(int64(binary.LittleEndian.Uint16(b)))
	case opLong1, opLong4:
		var n uint64
		if op == opLong1 {
			b, err := u.read(1)
			if err != nil {
				return false, err
			}
			n = uint64(b[0])
		} else {
			b, err := u.read(4)
			if err != nil {
				return false, err
			}
			n = uint64(binary.LittleEndian.Uint32(b))
		}
		b, err := u.read(n)
		if err != nil {
			return false, err
		}
		u.push(decodeLong(b))
	case opBinFloat:
		b, err := u.read(8)
		if err != nil {
			return false, err
		}
		u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))

	case opShortBinUni, opShortBinString, opShortBinBytes:
		s, err := u.readCounted(1)
		if err != nil {
			return false, err
		}
		u.pushString(op, s)
	case opBinUnicode, opBinString, opBinBytes:
		s, err := u.readCounted(4)
		if err != nil {
			return false, err
		}
		u.pushString(op, s)
	case opBinUnicode8, opBinBytes8:
		s, err := u.readCounted(8)
		if err != nil {
			return false, err
		}
		u.pushString(op, s)

	case opEmptyTuple:
		u.push(tuple{})
	case opTuple1, opTuple2, opTuple3:
		n := int(op-opTuple1) + 1
		if len(u.stack) < n {
			return false, fmt.Errorf("stack underflow")
		}
		t := append(tuple{}, u.stack[len(u.stack)-n:]...)
		u.stack = u.stack[:len(u.stack)-n]
		if err := noMarks(t); err != nil {
			return false, err
		}
		u.push(t)
	case opTuple:
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(tuple(items))
	case opEmptyList:
		u.push(&list{})
	case opList:
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		u.push(&list{items: items})
	case opAppend:
		v, err := u.pop()
		if err != nil {
			return false, err
		}
		l, err := u.topList()
		if err != nil {
			return false, err
		}
		l.items = append(l.items, v)
	case opAppends:
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		l, err := u.topList()
		if err != nil {
			return false, err
		}
		l.items = append(l.items, items...)
	case opEmptyDict:
		u.push(newDict())
	case opDict:
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		d := newDict()
		if err := setItems(d, items); err != nil {
			return false, err
		}
		u.push(d)
	case opSetItem:
		if len(u.stack) < 3 {
			return false, fmt.Errorf("stack underflow")
		}
		kv := u.stack[len(u.stack)-2:]
		u.stack = u.stack[:len(u.stack)-2]
		d, err := u.topDict()
		if err != nil {
			return false, err
		}
		if err := setItems(d, kv); err != nil {
			return false, err
		}
	case opSetItems:
		items, err := u.popMark()
		if err != nil {
			return false, err
		}
		d, err := u.topDict()
		if err != nil {
			return false, err
		}
		if err := setItems(d, items); err != nil {
			return false, err
		}

	case opBinPut, opLongBinPut:
		width := uint64(1)
		if op == opLongBinPut {
			width = 4
		}
		idx, err := u.readUint(width)
		if err != nil {
			return false, err
		}
		if err := u.memoize(int64(idx)); err != nil {
			return false, err
		}
	case opMemoize:
		if err := u.memoize(int64(len(u.memo))); err != nil {
			return false, err
		}
	case opBinGet, opLongBinGet:
		width := uint64(1)
		if op == opLongBinGet {
			width = 4
		}
		idx, err := u.readUint(width)
		if err != nil {
			return false, err
		}
		v, ok := u.memo[int64(idx)]
		if !ok {
			return false, fmt.Errorf("memo entry %d is not defined", idx)
		}
		u.push(v)

	case opGlobal:
		module, err := u.readLine()
		if err != nil {
			return false, err
		}
		name, err := u.readLine()
		if err != nil {
			return false, err
		}
		return false, u.pushGlobal(global{module, name})
	case opStackGlobal:
		name, err := u.pop()
		if err != nil {
			return false, err
		}
		module, err := u.pop()
		if err != nil {
			return false, err
		}
		m, ok1 := module.(string)
		n, ok2 := name.(string)
		if !ok1 || !ok2 {
			return false, fmt.Errorf("STACK_GLOBAL needs two strings")
		}
		return false, u.pushGlobal(global{m, n})

	case opBinPersID:
		pid, err := u.pop()
		if err != nil {
			return false, err
		}
		v, err := u.persistentLoad(pid)
		if err != nil {
			return false, err
		}
		u.push(v)
	case opReduce, opNewObj:
		argv, err := u.pop()
		if err != nil {
			return false, err
		}
		fn, err := u.pop()
		if err != nil {
			return false, err
		}
		g, ok := fn.(global)
		if !ok {
			return false, fmt.Errorf("cannot call a %s", typeName(fn))
		}
		args, ok := argv.(tuple)
		if !ok {
			return false, fmt.Errorf("%s.%s: arguments are a %s, want a tuple", g.module, g.name, typeName(argv))
		}
		if op == opNewObj && g != (global{"collections", "OrderedDict"}) {
			return false, fmt.Errorf("NEWOBJ of %s.%s is not supported", g.module, g.name)
		}
		v, err := call(g, args)
		if err != nil {
			return false, err
		}
		u.push(v)
	case opBuild:
		state, err := u.pop()
		if err != nil {
			return false, err
		}
		if len(u.stack) == 0 {
			return false, fmt.Errorf("stack underflow")
		}
		// A state_dict's OrderedDict carries a _metadata attribute (module
		// versions), and a parameter may carry Python attributes: neither
		// matters for the tensors' values.
		switch u.stack[len(u.stack)-1].(type) {
		case *dict, *tensorRef:
		default:
			return false, fmt.Errorf("BUILD on a %s (state %s) is not supported", typeName(u.stack[len(u.stack)-1]), typeName(state))
		}

	default:
		return false, fmt.Errorf("unsupported opcode")
	}
	return false, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pushString(op byte, s []byte) {
	switch op {
	case opShortBinBytes, opBinBytes, opBinBytes8:
		u.push(append([]byte{}, s...))
	default: // unicode, and protocol 2's BINSTRING (a Python 2 str)
		u.push(string(s))
	}
}

func (u *unpickler) pushGlobal(g global) error {
	if !isAllowed(g) {
		return fmt.Errorf("unsupported global %s.%s (only state_dict tensors can be read)", g.module, g.name)
	}
	u.push(g)
	return nil
}

func (u *unpickler) pop() (any, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	if _, ok := v.(mark); ok {
		return nil, fmt.Errorf("unexpected MARK on the stack")
	}
	return v, nil
}

// popMark pops everything above the topmost MARK, and the MARK.
func (u *unpickler) popMark() ([]any, error) {
	for i := len(u.stack) - 1; i >= 0; i-- {
		if _, ok := u.stack[i].(mark); ok {
			items := append([]any{}, u.stack[i+1:]...)
			u.stack = u.stack[:i]
			return items, nil
		}
	}
	return nil, fmt.Errorf("no MARK on the stack")
}

func (u *unpickler) topList() (*list, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("stack underflow")
	}
	l, ok := u.stack[len(u.stack)-1].(*list)
	if !ok {
		return nil, fmt.Errorf("append to a %s, want a list", typeName(u.stack[len(u.stack)-1]))
	}
	return l, nil
}

func (u *unpickler) topDict() (*dict, error) {
	if len(u.stack) == 0 {
		return nil, fmt.Errorf("stack underflow")
	}
	d, ok := u.stack[len(u.stack)-1].(*dict)
	if !ok {
		return nil, fmt.Errorf("set item on a %s, want a dict", typeName(u.stack[len(u.stack)-1]))
	}
	return d, nil
}

func (u *unpickler) memoize(idx int64) error {
	if len(u.stack) == 0 {
		return fmt.Errorf("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	if _, ok := v.(mark); ok {
		return fmt.Errorf("cannot memoize a MARK")
	}
	u.memo[idx] = v
	return nil
}

func setItems(d *dict, items []any) error {
	if len(items)%2 != 0 {
		return fmt.Errorf("odd number of items (%d) for a dict", len(items))
	}
	if err := noMarks(items); err != nil {
		return err
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func noMarks(items []any) error {
	for _, v := range items {
		if _, ok := v.(mark); ok {
			return fmt.Errorf("unexpected MARK on the stack")
		}
	}
	return nil
}

func (u *unpickler) read(n uint64) ([]byte, error) {
	if n > uint64(len(u.data)-u.pos) {
		return nil, fmt.Errorf("truncated: needs %d bytes, %d left", n, len(u.data)-u.pos)
	}
	b := u.data[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return b, nil
}

func (u *unpickler) readUint(width uint64) (uint64, error) {
	b, err := u.read(width)
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

// readCounted reads a little-endian length of the given width, then that
// many bytes.
func (u *unpickler) readCounted(width uint64) ([]byte, error) {
	n, err := u.readUint(width)
	if err != nil {
		return nil, err
	}
	return u.read(n)
}

func (u *unpickler) readLine() (string, error) {
	for i := u.pos; i < len(u.data); i++ {
		if u.data[i] == '\n' {
			s := string(u.data[u.pos:i])
			u.pos = i + 1
			return s, nil
		}
	}
	return "", fmt.Errorf("truncated: unterminated line")
}

// decodeLong decodes a little-endian two's complement integer: an int64
// when it fits, a *big.Int otherwise.
func decodeLong(b []byte) any {
	if len(b) == 0 {
		return int64(0)
	}
	if len(b) <= 8 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		shift := 64 - 8*uint(len(b))
		return int64(v<<shift) >> shift // sign-extend
	}
	be := make([]byte, len(b))
	for i := range b {
		be[len(b)-1-i] = b[i]
	}
	v := new(big.Int).SetBytes(be)
	if b[len(b)-1]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return v
}

func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case tuple:
		return "tuple"
	case *list:
		return "list"
	case *dict:
		return "dict"
	case global:
		return v.module + "." + v.name
	case *storageRef:
		return "storage"
	case *tensorRef:
		return "tensor"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// describe formats a value for an error message: scalars in full (long
// strings cut short), containers by their type only, since a pickle can
// nest shared containers into exponentially large trees.
func describe(v any) string {
	switch v := v.(type) {
	case bool, int64, float64, *big.Int:
		return fmt.Sprint(v)
	case string:
		if len(v) > 40 {
			return fmt.Sprintf("%q...", v[:40])
		}
		return fmt.Sprintf("%q", v)
	default:
		return typeName(v)
	}
}
