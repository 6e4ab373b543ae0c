package wasmgen

import (
	"fmt"
	"math"
)

// Func is a function body under construction. Locals are numbered after the parameters; control flow is
// structured, and branch targets are the Labels that Block and Loop return, so callers never count depths.
type Func struct {
	name            string
	params, results []ValType
	locals          []ValType
	code            []byte
	depth           int
}

// Label names an enclosing block, loop or if for Br and BrIf.
type Label int

// Param is the local index of parameter i.
func (f *Func) Param(i int) uint32 {
	if i >= len(f.params) {
		panic(fmt.Sprintf("wasmgen: %s has %d parameters, not %d", f.name, len(f.params), i+1))
	}
	return uint32(i)
}

// Local declares a new local of type t and returns its index.
func (f *Func) Local(t ValType) uint32 {
	f.locals = append(f.locals, t)
	return uint32(len(f.params) + len(f.locals) - 1)
}

func (f *Func) body() []byte {
	if f.depth != 0 {
		panic(fmt.Sprintf("wasmgen: %s has %d unclosed blocks", f.name, f.depth))
	}
	// Runs of equal types share one declaration.
	var groups []byte
	n := 0
	for i := 0; i < len(f.locals); {
		j := i
		for j < len(f.locals) && f.locals[j] == f.locals[i] {
			j++
		}
		groups = AppendU32(groups, uint32(j-i))
		groups = append(groups, byte(f.locals[i]))
		n++
		i = j
	}
	b := AppendU32(nil, uint32(n))
	b = append(b, groups...)
	b = append(b, f.code...)
	return append(b, 0x0B)
}

func (f *Func) op(b ...byte) { f.code = append(f.code, b...) }

// Block opens a block; a branch to its label jumps past its End.
func (f *Func) Block() Label { f.op(0x02, 0x40); f.depth++; return Label(f.depth) }

// Loop opens a loop; a branch to its label jumps back to its start.
func (f *Func) Loop() Label { f.op(0x03, 0x40); f.depth++; return Label(f.depth) }

// If opens a conditional on the i32 on the stack.
func (f *Func) If() Label { f.op(0x04, 0x40); f.depth++; return Label(f.depth) }

// Else starts the other arm of the innermost If.
func (f *Func) Else() { f.op(0x05) }

// End closes the innermost block, loop or if.
func (f *Func) End() {
	if f.depth == 0 {
		panic("wasmgen: End without a block in " + f.name)
	}
	f.op(0x0B)
	f.depth--
}

func (f *Func) rel(l Label) uint32 {
	if int(l) < 1 || int(l) > f.depth {
		panic(fmt.Sprintf("wasmgen: branch to label %d outside its block in %s", l, f.name))
	}
	return uint32(f.depth - int(l))
}

// Br branches to l.
func (f *Func) Br(l Label) { f.op(0x0C); f.code = AppendU32(f.code, f.rel(l)) }

// BrIf branches to l if the i32 on the stack is not zero.
func (f *Func) BrIf(l Label) { f.op(0x0D); f.code = AppendU32(f.code, f.rel(l)) }

// Select pops c, b, a and pushes c != 0 ? a : b.
func (f *Func) Select() { f.op(0x1B) }

// Drop pops a value.
func (f *Func) Drop() { f.op(0x1A) }

func (f *Func) Get(i uint32) { f.op(0x20); f.code = AppendU32(f.code, i) }
func (f *Func) Set(i uint32) { f.op(0x21); f.code = AppendU32(f.code, i) }
func (f *Func) Tee(i uint32) { f.op(0x22); f.code = AppendU32(f.code, i) }

// I32 pushes a constant.
func (f *Func) I32(v int32) { f.op(0x41); f.code = AppendS32(f.code, v) }

// i32 arithmetic and comparisons.
func (f *Func) I32Eqz()  { f.op(0x45) }
func (f *Func) I32Eq()   { f.op(0x46) }
func (f *Func) I32Ne()   { f.op(0x47) }
func (f *Func) I32LtS()  { f.op(0x48) }
func (f *Func) I32LtU()  { f.op(0x49) }
func (f *Func) I32GtS()  { f.op(0x4A) }
func (f *Func) I32GtU()  { f.op(0x4B) }
func (f *Func) I32LeS()  { f.op(0x4C) }
func (f *Func) I32GeS()  { f.op(0x4E) }
func (f *Func) I32GeU()  { f.op(0x4F) }
func (f *Func) I32Add()  { f.op(0x6A) }
func (f *Func) I32Sub()  { f.op(0x6B) }
func (f *Func) I32Mul()  { f.op(0x6C) }
func (f *Func) I32DivU() { f.op(0x6E) }
func (f *Func) I32And()  { f.op(0x71) }
func (f *Func) I32Or()   { f.op(0x72) }
func (f *Func) I32Shl()  { f.op(0x74) }

// f32 scalar memory access and arithmetic.
func (f *Func) F32Load(offset uint32)  { f.mem(0x2A, 2, offset) }
func (f *Func) F32Store(offset uint32) { f.mem(0x38, 2, offset) }
func (f *Func) F32Add()                { f.op(0x92) }
func (f *Func) F32Gt()                 { f.op(0x5E) }

// F32Const0 pushes the f32 zero.
func (f *Func) F32Const0() { f.F32Const(0) }

// F32Const pushes an f32 constant.
func (f *Func) F32Const(v float32) {
	b := math.Float32bits(v)
	f.op(0x43, byte(b), byte(b>>8), byte(b>>16), byte(b>>24))
}

func (f *Func) F32Div()         { f.op(0x95) }
func (f *Func) F32Max()         { f.op(0x97) }
func (f *Func) F32ConvertI32S() { f.op(0xB2) }
func (f *Func) F32Mul()         { f.op(0x94) }

func (f *Func) mem(op byte, align, offset uint32) {
	f.op(op)
	f.code = AppendU32(f.code, align)
	f.code = AppendU32(f.code, offset)
}

// simd emits a 0xFD-prefixed instruction.
func (f *Func) simd(op uint32) {
	f.op(0xFD)
	f.code = AppendU32(f.code, op)
}

func (f *Func) simdMem(op, align, offset uint32) {
	f.simd(op)
	f.code = AppendU32(f.code, align)
	f.code = AppendU32(f.code, offset)
}

// V128Load loads 16 bytes from the address on the stack plus offset (alignment hint 4 bytes: the Go heap
// aligns float32 slices to 8, not 16).
func (f *Func) V128Load(offset uint32) { f.simdMem(0x00, 2, offset) }

// V128Load32Splat loads one float32 into all four lanes.
func (f *Func) V128Load32Splat(offset uint32) { f.simdMem(0x09, 2, offset) }

// V128Store stores 16 bytes.
func (f *Func) V128Store(offset uint32) { f.simdMem(0x0B, 2, offset) }

// V128Store32Lane stores one lane.
func (f *Func) V128Store32Lane(offset uint32, lane byte) {
	f.simdMem(0x5A, 2, offset)
	f.op(lane)
}

// V128Zero pushes a v128 of zeros.
func (f *Func) V128Zero() {
	f.simd(0x0C)
	f.op(make([]byte, 16)...)
}

// I32x4ExtractLane pushes one lane as an i32.
func (f *Func) I32x4ExtractLane(lane byte) { f.simd(0x1B); f.op(lane) }

// F32x4Splat turns the f32 on the stack into four lanes.
func (f *Func) F32x4Splat() { f.simd(0x13) }

// F32x4ExtractLane pushes one lane as an f32.
func (f *Func) F32x4ExtractLane(lane byte) { f.simd(0x1F); f.op(lane) }

func (f *Func) F32x4Add() { f.simd(0xE4) }
func (f *Func) F32x4Mul() { f.simd(0xE6) }
func (f *Func) F32x4Div() { f.simd(0xE7) }

// F32x4Sqrt is the correctly rounded square root of each lane.
func (f *Func) F32x4Sqrt() { f.simd(0xE3) }

// F32x4Pmax is b > a ? b : a per lane ("pseudo-max", one machine instruction; a NaN in a is kept).
func (f *Func) F32x4Pmax() { f.simd(0xEB) }

// F32x4Pmin is b < a ? b : a per lane (one machine instruction; a NaN in a is kept).
func (f *Func) F32x4Pmin() { f.simd(0xEA) }

// F32x4Max is the IEEE-style maximum (NaN-propagating).
func (f *Func) F32x4Max() { f.simd(0xE9) }

// F32x4RelaxedMadd pops c, b, a and pushes a*b+c, fused or not as the machine prefers (relaxed SIMD).
func (f *Func) F32x4RelaxedMadd() { f.simd(0x105) }

// Integer SIMD128 for the int8 kernels.

// V128Load8x8U loads 8 bytes and zero-extends them to eight i16 lanes.
func (f *Func) V128Load8x8U(offset uint32) { f.simdMem(0x02, 0, offset) }

// V128Store64Lane, V128Store32Lane, V128Store16Lane and V128Store8Lane store the low lane of that width.
func (f *Func) V128Store64Lane(offset uint32) { f.simdMem(0x5B, 0, offset); f.op(0) }
func (f *Func) V128Store16Lane(offset uint32) { f.simdMem(0x59, 0, offset); f.op(0) }
func (f *Func) V128Store8Lane(offset uint32)  { f.simdMem(0x58, 0, offset); f.op(0) }

// V128Store32Lane0 stores the low 32-bit lane without an alignment hint.
func (f *Func) V128Store32Lane0(offset uint32) { f.simdMem(0x5A, 0, offset); f.op(0) }

func (f *Func) I16x8Splat()          { f.simd(0x10) }
func (f *Func) I32x4Splat()          { f.simd(0x11) }
func (f *Func) I16x8Sub()            { f.simd(0x91) }
func (f *Func) I32x4Add()            { f.simd(0xAE) }
func (f *Func) I32x4MinS()           { f.simd(0xB6) }
func (f *Func) I32x4MaxS()           { f.simd(0xB8) }
func (f *Func) I32x4DotI16x8S()      { f.simd(0xBA) }
func (f *Func) I32x4ExtmulLowI16S()  { f.simd(0xBC) }
func (f *Func) I32x4ExtmulHighI16S() { f.simd(0xBD) }
func (f *Func) I64x2ShrU()           { f.simd(0xCD) }
func (f *Func) I16x8NarrowI32x4S()   { f.simd(0x85) }
func (f *Func) I8x16NarrowI16x8U()   { f.simd(0x66) }
func (f *Func) F32x4ConvertI32x4S()  { f.simd(0xFA) }
func (f *Func) I32x4TruncSatF32x4S() { f.simd(0xF8) }

// F32x4Nearest rounds each lane to the nearest integer, ties to even.
func (f *Func) F32x4Nearest()          { f.simd(0x6A) }
func (f *Func) I32x4Sub()              { f.simd(0xB1) }
func (f *Func) I32x4Mul()              { f.simd(0xB5) }
func (f *Func) I32x4ShrS()             { f.simd(0xAC) }
func (f *Func) I32x4ExtendLowI16x8S()  { f.simd(0xA7) }
func (f *Func) I32x4ExtendHighI16x8S() { f.simd(0xA8) }

// V128Load64Zero loads 8 bytes into the low half and zeros the high half.
func (f *Func) V128Load64Zero(offset uint32) { f.simdMem(0x5D, 0, offset) }

// I8x16Shuffle pops b, a and picks bytes of a (lanes 0-15) and b (16-31).
func (f *Func) I8x16Shuffle(lanes [16]byte) { f.simd(0x0D); f.op(lanes[:]...) }

func (f *Func) I8x16Splat()            { f.simd(0x0F) }
func (f *Func) I16x8ExtendLowI8x16U()  { f.simd(0x89) }
func (f *Func) I16x8ExtendHighI8x16U() { f.simd(0x8A) }

// I16x8ExtaddPairwiseI8x16U and I32x4ExtaddPairwiseI16x8U add adjacent unsigned lanes into lanes twice as wide.
func (f *Func) I16x8ExtaddPairwiseI8x16U() { f.simd(0x7D) }
func (f *Func) I32x4ExtaddPairwiseI16x8U() { f.simd(0x7F) }

// i32 memory access and bit operations.
func (f *Func) I32Load8U(offset uint32)  { f.mem(0x2D, 0, offset) }
func (f *Func) I32Load16U(offset uint32) { f.mem(0x2F, 0, offset) }
func (f *Func) I32Store(offset uint32)   { f.mem(0x36, 0, offset) }
func (f *Func) I32Load(offset uint32)    { f.mem(0x28, 0, offset) }
func (f *Func) I32ShrU()                 { f.op(0x76) }

// I32x4RelaxedDotI8x16I7x16AddS pops c, b, a and pushes c plus, per i32 lane i, the sum of the four products
// a[4i+j]*b[4i+j] of signed bytes (relaxed SIMD). It is exact on every engine only when every byte of b has its
// top bit clear: x86 treats b as unsigned (pmaddubsw), ARM as signed (sdot).
func (f *Func) I32x4RelaxedDotI8x16I7x16AddS() { f.simd(0x113) }

// Byte and i16 lanes for the int8 pooling kernels.
func (f *Func) I8x16MinU() { f.simd(0x77) }
func (f *Func) I8x16MaxU() { f.simd(0x79) }
func (f *Func) I16x8Add()  { f.simd(0x8E) }

// I32x4ExtendLowI16x8U and I32x4ExtendHighI16x8U zero-extend four u16 lanes.
func (f *Func) I32x4ExtendLowI16x8U()  { f.simd(0xA9) }
func (f *Func) I32x4ExtendHighI16x8U() { f.simd(0xAA) }
func (f *Func) I32x4Abs()              { f.simd(0xA0) }
func (f *Func) V128Xor()               { f.simd(0x51) }

func (f *Func) I32Store8(offset uint32) { f.mem(0x3A, 0, offset) }
func (f *Func) I32DivS()                { f.op(0x6D) }
func (f *Func) I32ShrS()                { f.op(0x75) }
