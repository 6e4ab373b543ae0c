package kernelgen

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"inceptionweb/wasm/simd/wasmgen"
)

// sections splits a module into its sections, checking the framing.
func sections(b []byte) (map[byte][]byte, error) {
	if len(b) < 8 || string(b[:8]) != "\x00asm\x01\x00\x00\x00" {
		return nil, fmt.Errorf("bad header")
	}
	secs := map[byte][]byte{}
	for p := 8; p < len(b); {
		id := b[p]
		n, w := uleb(b[p+1:])
		p += 1 + w
		if p+int(n) > len(b) {
			return nil, fmt.Errorf("section %d overruns the module", id)
		}
		if _, dup := secs[id]; dup {
			return nil, fmt.Errorf("section %d twice", id)
		}
		secs[id] = b[p : p+int(n)]
		p += int(n)
	}
	return secs, nil
}

func uleb(b []byte) (uint32, int) {
	var v uint32
	for i, c := range b {
		v |= uint32(c&0x7F) << (7 * i)
		if c&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, len(b)
}

// TestModuleOwnsNoMemory: the module runs inside Go's memory, so it must not define memory, globals (a shadow
// stack pointer), tables, data segments or a start function; its only import is the memory.
func TestModuleOwnsNoMemory(t *testing.T) {
	for _, relaxed := range []bool{false, true} {
		secs, err := sections(Module(relaxed))
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []byte{wasmgen.SecMemory, wasmgen.SecGlobal, wasmgen.SecTable, wasmgen.SecData,
			wasmgen.SecStart, wasmgen.SecElement} {
			if _, ok := secs[id]; ok {
				t.Errorf("relaxed=%v: module has section %d", relaxed, id)
			}
		}
		want := "\x01\x03env\x06memory\x02\x00\x00"
		if got := string(secs[wasmgen.SecImport]); got != want {
			t.Errorf("relaxed=%v: imports %q, want only env.memory: %q", relaxed, got, want)
		}
	}
}

// TestValidate runs wabt's validator and disassembler when installed, and checks that only the relaxed
// variant uses relaxed SIMD.
func TestValidate(t *testing.T) {
	if _, err := exec.LookPath("wasm-validate"); err != nil {
		t.Skip("wabt is not installed")
	}
	dir := t.TempDir()
	for _, relaxed := range []bool{false, true} {
		file := filepath.Join(dir, fmt.Sprintf("k%v.wasm", relaxed))
		if err := os.WriteFile(file, Module(relaxed), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("wasm-validate", "--enable-relaxed-simd", file).CombinedOutput(); err != nil {
			t.Errorf("relaxed=%v: wasm-validate: %v\n%s", relaxed, err, out)
		}
		err := exec.Command("wasm-validate", file).Run() // relaxed SIMD off
		if relaxed != (err != nil) {
			t.Errorf("relaxed=%v: validation without relaxed SIMD: %v", relaxed, err)
		}
	}
}
