// Command gen writes the SIMD kernel modules (plain SIMD128 and relaxed SIMD) into a directory:
//
//	go run ./wasm/simd/gen -o web
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"inceptionweb/wasm/simd/kernelgen"
)

func main() {
	dir := flag.String("o", ".", "directory to write "+kernelgen.PlainFile+" and "+kernelgen.RelaxedFile+" into")
	flag.Parse()
	log.SetFlags(0)
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, v := range []struct {
		name    string
		relaxed bool
	}{{kernelgen.PlainFile, false}, {kernelgen.RelaxedFile, true}} {
		if err := os.WriteFile(filepath.Join(*dir, v.name), kernelgen.Module(v.relaxed), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
